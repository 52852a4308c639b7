'use strict';
// Transports and HTTP helpers shared by the kit. Plain ES2015 + Promises (no async/await) so the
// files run unchanged in every mini program base library and in node.
//
// A transport is   transport(url, { method, headers, body }) -> Promise<{ status, headers, data }>
//   body    : a JSON string (or undefined)
//   data    : the parsed JSON reply (or the raw text when it is not JSON)
// It rejects only when no HTTP reply arrived at all (network failure, timeout, DNS ...).

var platform = require('./platform');

/** Transport over wx.request (the default inside a mini program). */
function wxTransport(wxApi, options) {
  if (!wxApi || typeof wxApi.request !== 'function') {
    throw new Error('pushconsole: wxTransport needs an object with wx.request');
  }
  var timeout = options && options.timeoutMs;
  return function (url, req) {
    return new Promise(function (resolve, reject) {
      var params = {
        url: url,
        method: req.method || 'GET',
        header: req.headers || {},
        data: req.body,
        dataType: 'json',
        success: function (res) {
          resolve({ status: res.statusCode, headers: res.header || {}, data: res.data });
        },
        fail: function (err) {
          var e = new Error('pushconsole: network failure: ' + ((err && err.errMsg) || 'wx.request failed'));
          e.network = true;
          e.cause = err;
          reject(e);
        }
      };
      if (timeout) params.timeout = timeout;
      platform.callWx(wxApi, 'request', params);
    });
  };
}

/** Transport over a WHATWG fetch (node >= 18, tests, tooling). */
function fetchTransport(fetchImpl) {
  var f = fetchImpl || (typeof fetch === 'function' ? fetch : null);
  if (!f) throw new Error('pushconsole: fetchTransport needs a fetch implementation');
  return function (url, req) {
    return Promise.resolve()
      .then(function () {
        return f(url, { method: req.method || 'GET', headers: req.headers || {}, body: req.body });
      })
      .then(
        function (res) {
          return res.text().then(function (text) {
            var headers = {};
            res.headers.forEach(function (value, key) { headers[key] = value; });
            return { status: res.status, headers: headers, data: parseJson(text) };
          });
        },
        function (err) {
          var e = new Error('pushconsole: network failure: ' + (err && err.message));
          e.network = true;
          e.cause = err;
          throw e;
        }
      );
  };
}

function parseJson(text) {
  if (text === '' || text == null) return null;
  try { return JSON.parse(text); } catch (e) { return text; }
}

/** Case-insensitive header lookup (wx.request keeps the server's casing). */
function header(headers, name) {
  if (!headers) return undefined;
  var wanted = name.toLowerCase();
  for (var k in headers) {
    if (Object.prototype.hasOwnProperty.call(headers, k) && k.toLowerCase() === wanted) return headers[k];
  }
  return undefined;
}

/** Retry-After as milliseconds (delta-seconds or HTTP-date), or null when absent/unparsable. */
function retryAfterMs(headers, nowMs) {
  var v = header(headers, 'retry-after');
  if (v == null) return null;
  v = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(parseFloat(v) * 1000);
  var at = Date.parse(v);
  if (isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

module.exports = {
  wxTransport: wxTransport,
  fetchTransport: fetchTransport,
  header: header,
  retryAfterMs: retryAfterMs
};
