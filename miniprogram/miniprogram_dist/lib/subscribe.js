'use strict';
// wx.requestSubscribeMessage helper. WeChat only shows the popup when the call happens inside a
// tap (or payment-completion) handler, so subscribe() calls it synchronously - before any
// promise or network work - and reports the outcome to the console afterwards.

var C = require('./constants');
var platform = require('./platform');

function kitError(code, message) {
  var e = new Error('pushconsole: ' + message);
  e.code = code;
  return e;
}

/** Split template ids into groups of `size` (default 3), e.g. to ask for them over several taps. */
function splitTemplateIds(tmplIds, size) {
  var n = size || C.MAX_TEMPLATE_IDS_PER_CALL;
  var out = [];
  for (var i = 0; i < tmplIds.length; i += n) out.push(tmplIds.slice(i, i + n));
  return out;
}

/** The success result of wx.requestSubscribeMessage without errMsg: { tmplId: 'accept'|'reject'|... }. */
function resultWithoutErrMsg(res) {
  var out = {};
  for (var k in res || {}) {
    if (Object.prototype.hasOwnProperty.call(res, k) && k !== 'errMsg') out[k] = res[k];
  }
  return out;
}

/**
 * createSubscriber({ uploader, wx?, maxPerCall=3 }) -> { subscribe(tmplIds) }
 *
 * subscribe(tmplIds) must be called directly from a tap handler. It resolves to
 *   { ok: true,  result: {tmplId: status}, reported: true,  reply }      popup answered, console told
 *   { ok: true,  result,                   reported: false, reportError } popup answered, report failed
 *   { ok: false, error: { errCode, errMsg } }                             wx fail callback (e.g. 20004
 *                                                                        main switch off); nothing reported
 * and rejects (without calling wx) when tmplIds is empty, not strings, or longer than maxPerCall
 * (error.code 'PUSHCONSOLE_TOO_MANY_TEMPLATE_IDS' / 'PUSHCONSOLE_BAD_TEMPLATE_IDS').
 */
function createSubscriber(options) {
  var o = options || {};
  var uploader = o.uploader;
  var wxApi = o.wx || platform.globalWx();
  var maxPerCall = o.maxPerCall || C.MAX_TEMPLATE_IDS_PER_CALL;
  if (!uploader || typeof uploader.request !== 'function') {
    throw new TypeError('pushconsole: createSubscriber needs the uploader (it owns the console session)');
  }

  function subscribe(tmplIds) {
    if (!Array.isArray(tmplIds) || tmplIds.length === 0 ||
        tmplIds.some(function (id) { return typeof id !== 'string' || id === ''; })) {
      return Promise.reject(kitError('PUSHCONSOLE_BAD_TEMPLATE_IDS',
        'subscribe() needs a non-empty array of template id strings'));
    }
    if (tmplIds.length > maxPerCall) {
      return Promise.reject(kitError('PUSHCONSOLE_TOO_MANY_TEMPLATE_IDS',
        'wx.requestSubscribeMessage takes at most ' + maxPerCall + ' template ids per call, got ' +
        tmplIds.length + '. Ask for the rest on another tap (see splitTemplateIds).'));
    }
    if (!wxApi || typeof wxApi.requestSubscribeMessage !== 'function') {
      return Promise.reject(kitError('PUSHCONSOLE_NO_SUBSCRIBE_API', 'wx.requestSubscribeMessage is not available'));
    }

    // The executor runs synchronously, so wx sees this call inside the tap handler.
    var answered = new Promise(function (resolve) {
      platform.callWx(wxApi, 'requestSubscribeMessage', {
        tmplIds: tmplIds.slice(),
        success: function (res) { resolve({ ok: true, res: res }); },
        fail: function (err) { resolve({ ok: false, err: err || {} }); }
      });
    });

    return answered.then(function (a) {
      if (!a.ok) {
        return { ok: false, error: { errCode: a.err.errCode, errMsg: a.err.errMsg } };
      }
      var result = resultWithoutErrMsg(a.res);
      return uploader.request('/subscriptions', result).then(
        function (reply) { return { ok: true, result: result, reported: true, reply: reply.data }; },
        function (err) { return { ok: true, result: result, reported: false, reportError: err }; }
      );
    });
  }

  return { subscribe: subscribe, maxPerCall: maxPerCall };
}

module.exports = {
  createSubscriber: createSubscriber,
  splitTemplateIds: splitTemplateIds,
  resultWithoutErrMsg: resultWithoutErrMsg
};
