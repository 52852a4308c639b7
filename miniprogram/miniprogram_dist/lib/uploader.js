'use strict';
// formId / prepay_id uploader for PushConsole.
//
// Collects the ids a mini program gets from report-submit forms and payments, keeps them in
// wx storage, and hands them to the console in batches over an authenticated session
// (wx.login code -> POST /api/miniprogram/{appId}/login -> bearer token).
//
// Plain ES2015 + Promises (no async/await, no optional chaining) so it runs unchanged in any
// base library and in node.

var C = require('./constants');
var http = require('./http');
var platform = require('./platform');

var DEFAULT_RETRY = { baseMs: 2000, maxMs: 5 * 60 * 1000, requestAttempts: 3 };
var DEFAULT_SAFETY_MARGIN_MS = 10 * 60 * 1000; // do not ship ids that die within 10 minutes
var SESSION_MARGIN_MS = 60 * 1000; // renew the session token a minute before it expires
var MAX_ID_LENGTH = 128; // formIds are 32 hex chars, prepay_ids ~36; anything longer is junk

function appIdFromWx(wxApi) {
  try {
    var info = wxApi && typeof wxApi.getAccountInfoSync === 'function' && wxApi.getAccountInfoSync();
    return (info && info.miniProgram && info.miniProgram.appId) || null;
  } catch (e) {
    return null;
  }
}

function noop() {}

/** Wrap an app callback so an exception in it cannot break the uploader's own bookkeeping. */
function guard(fn) {
  if (typeof fn !== 'function') return noop;
  return function () {
    try {
      fn.apply(null, arguments);
    } catch (e) {
      if (typeof console !== 'undefined') console.error('pushconsole: callback threw', e);
    }
  };
}

/**
 * createUploader({ baseUrl, appId, wx, now?, storageKey?, batchSize=10, flushIntervalMs=30000,
 *                  maxBatch=100, retry:{baseMs,maxMs,requestAttempts}, transport?,
 *                  safetyMarginMs?, maxQueue?, setTimeout?, clearTimeout?, random?,
 *                  onRejected?, onError? })
 */
function createUploader(options) {
  var o = options || {};
  var wxApi = o.wx || platform.globalWx();
  var appId = o.appId || appIdFromWx(wxApi);
  if (!o.baseUrl) throw new TypeError('pushconsole: createUploader needs baseUrl (the console URL)');
  if (!appId) throw new TypeError('pushconsole: createUploader needs appId (the mini program AppID)');

  var baseUrl = String(o.baseUrl).replace(/\/+$/, '');
  var apiBase = baseUrl + '/api/miniprogram/' + encodeURIComponent(appId);
  var now = o.now || function () { return Date.now(); };
  var setT = o.setTimeout || function (fn, ms) { return setTimeout(fn, ms); };
  var clearT = o.clearTimeout || function (id) { clearTimeout(id); };
  var random = o.random || Math.random;
  var transport = o.transport || http.wxTransport(wxApi);
  var storageKey = o.storageKey || 'pushconsole:' + appId;
  var sessionKey = storageKey + ':session';
  var batchSize = Math.max(1, o.batchSize || 10);
  var flushIntervalMs = o.flushIntervalMs == null ? 30000 : o.flushIntervalMs;
  var maxBatch = Math.max(1, Math.min(o.maxBatch || C.MAX_IDS_PER_REQUEST, C.MAX_IDS_PER_REQUEST));
  var retry = {
    baseMs: (o.retry && o.retry.baseMs) || DEFAULT_RETRY.baseMs,
    maxMs: (o.retry && o.retry.maxMs) || DEFAULT_RETRY.maxMs,
    requestAttempts: (o.retry && o.retry.requestAttempts) || DEFAULT_RETRY.requestAttempts
  };
  var safetyMarginMs = o.safetyMarginMs == null ? DEFAULT_SAFETY_MARGIN_MS : o.safetyMarginMs;
  var maxQueue = o.maxQueue || 1000;
  var onRejected = guard(o.onRejected);
  var onError = guard(o.onError);

  var memoryStorage = {};
  var queue = [];
  var session = null; // { token, expiresAt|null }
  var loginPromise = null;
  var inFlight = null;
  var followUp = null;
  var attempt = 0; // consecutive failed flushes
  var blockedUntil = 0; // no flush request before this instant (backoff / Retry-After)
  var retryTimer = null;
  var intervalTimer = null;
  var destroyed = false;
  var stats = { logins: 0, requests: 0, dropped: { mock: 0, expired: 0, duplicate: 0, invalid: 0, evicted: 0 } };

  // ---------------------------------------------------------------- storage
  function storageGet(key) {
    try {
      if (wxApi && typeof wxApi.getStorageSync === 'function') return wxApi.getStorageSync(key);
    } catch (e) {
      onError(e, 'storage');
      return '';
    }
    return Object.prototype.hasOwnProperty.call(memoryStorage, key) ? memoryStorage[key] : '';
  }

  function storageSet(key, value) {
    try {
      if (wxApi && typeof wxApi.setStorageSync === 'function') wxApi.setStorageSync(key, value);
      else memoryStorage[key] = value;
    } catch (e) {
      onError(e, 'storage'); // storage full: the in-memory queue still works for this run
    }
  }

  function saveQueue() {
    storageSet(storageKey, { v: 1, items: queue.slice() });
  }

  function saveSession() {
    storageSet(sessionKey, session ? { apiBase: apiBase, token: session.token, expiresAt: session.expiresAt } : '');
  }

  function restore() {
    var raw = storageGet(storageKey);
    var items = raw && Array.isArray(raw.items) ? raw.items : [];
    var seen = {};
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      if (!it || typeof it.formId !== 'string' || !isUsableId(it.formId) || seen[it.formId]) continue;
      if (typeof it.expire !== 'number' || !isFinite(it.expire)) continue;
      seen[it.formId] = true;
      queue.push({ formId: it.formId, kind: it.kind === 'prepay' ? 'prepay' : 'form', expire: it.expire });
    }
    purgeExpired(null);
    var s = storageGet(sessionKey);
    if (s && s.apiBase === apiBase && typeof s.token === 'string' && s.token) {
      session = { token: s.token, expiresAt: typeof s.expiresAt === 'number' ? s.expiresAt : null };
    }
  }

  // ---------------------------------------------------------------- queue
  function isUsableId(id) {
    return id !== '' && id !== C.MOCK_FORM_ID && id.length <= MAX_ID_LENGTH;
  }

  function diesSoon(expire) {
    return expire - safetyMarginMs <= now();
  }

  function indexOfId(id) {
    for (var i = 0; i < queue.length; i++) if (queue[i].formId === id) return i;
    return -1;
  }

  function purgeExpired(result) {
    var kept = [];
    for (var i = 0; i < queue.length; i++) {
      if (diesSoon(queue[i].expire)) {
        stats.dropped.expired++;
        if (result) result.expired.push(queue[i].formId);
      } else kept.push(queue[i]);
    }
    if (kept.length !== queue.length) {
      queue = kept;
      saveQueue();
    }
  }

  function removeIds(items) {
    var gone = {};
    for (var i = 0; i < items.length; i++) gone[items[i].formId] = true;
    queue = queue.filter(function (it) { return !gone[it.formId]; });
    saveQueue();
  }

  /**
   * Queue one id. opts: { kind: 'form'|'prepay', submittedAt?: ms, expire?: ms }.
   * Returns { queued: true } or { queued: false, reason: 'mock'|'empty'|'invalid'|'expired'|'duplicate'|'destroyed' }.
   */
  function add(formId, opts) {
    opts = opts || {};
    if (destroyed) return { queued: false, reason: 'destroyed' };
    if (typeof formId !== 'string' || formId === '') { stats.dropped.invalid++; return { queued: false, reason: 'empty' }; }
    if (formId === C.MOCK_FORM_ID) { stats.dropped.mock++; return { queued: false, reason: 'mock' }; }
    if (formId.length > MAX_ID_LENGTH) { stats.dropped.invalid++; return { queued: false, reason: 'invalid' }; }
    var kind = opts.kind === 'prepay' ? 'prepay' : 'form';
    var producedAt = typeof opts.submittedAt === 'number' ? opts.submittedAt : now();
    var expire = typeof opts.expire === 'number' ? opts.expire : producedAt + C.FORM_ID_TTL_MS;
    if (!isFinite(expire)) { stats.dropped.invalid++; return { queued: false, reason: 'invalid' }; }
    if (diesSoon(expire)) { stats.dropped.expired++; return { queued: false, reason: 'expired' }; }
    if (indexOfId(formId) >= 0) { stats.dropped.duplicate++; return { queued: false, reason: 'duplicate' }; }
    if (queue.length >= maxQueue) {
      // keep the ids with the most life left: evict the one that dies first
      var soonest = 0;
      for (var i = 1; i < queue.length; i++) if (queue[i].expire < queue[soonest].expire) soonest = i;
      queue.splice(soonest, 1);
      stats.dropped.evicted++;
    }
    queue.push({ formId: formId, kind: kind, expire: expire });
    saveQueue();
    if (queue.length >= batchSize) flush();
    return { queued: true };
  }

  function addPrepayId(prepayId, opts) {
    var o2 = {};
    for (var k in opts || {}) o2[k] = opts[k];
    o2.kind = 'prepay';
    if (typeof o2.submittedAt !== 'number' && typeof o2.paidAt === 'number') o2.submittedAt = o2.paidAt;
    return add(prepayId, o2);
  }

  // ---------------------------------------------------------------- session
  function post(path, body, token) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    stats.requests++;
    return transport(apiBase + path, { method: 'POST', headers: headers, body: JSON.stringify(body) });
  }

  function responseError(what, res) {
    var detail = res.data && typeof res.data === 'object' ? res.data.title || res.data.detail || '' : '';
    var e = new Error('pushconsole: ' + what + ' answered HTTP ' + res.status + (detail ? ' (' + detail + ')' : ''));
    e.status = res.status;
    e.data = res.data;
    e.retryAfterMs = http.retryAfterMs(res.headers, now());
    return e;
  }

  function wxLoginCode() {
    return new Promise(function (resolve, reject) {
      if (!wxApi || typeof wxApi.login !== 'function') {
        reject(new Error('pushconsole: wx.login is not available'));
        return;
      }
      platform.callWx(wxApi, 'login', {
        success: function (res) {
          if (res && res.code) resolve(res.code);
          else reject(new Error('pushconsole: wx.login gave no code'));
        },
        fail: function (err) {
          var e = new Error('pushconsole: wx.login failed: ' + ((err && err.errMsg) || 'unknown'));
          e.network = true;
          e.cause = err;
          reject(e);
        }
      });
    });
  }

  /** Log in (wx.login -> console). Concurrent callers share one login. Resolves the token. */
  function login() {
    if (loginPromise) return loginPromise;
    loginPromise = wxLoginCode()
      .then(function (code) { return post('/login', { code: code }); })
      .then(function (res) {
        if (res.status === 200 && res.data && typeof res.data.token === 'string' && res.data.token) {
          var ttl = Number(res.data.expiresIn);
          session = { token: res.data.token, expiresAt: isFinite(ttl) && ttl > 0 ? now() + ttl * 1000 : null };
          stats.logins++;
          saveSession();
          return session.token;
        }
        throw responseError('login', res);
      })
      .then(
        function (token) { loginPromise = null; return token; },
        function (err) { loginPromise = null; throw err; }
      );
    return loginPromise;
  }

  function currentToken() {
    if (!session) return null;
    if (session.expiresAt != null && session.expiresAt - SESSION_MARGIN_MS <= now()) return null;
    return session.token;
  }

  function ensureToken() {
    var t = currentToken();
    return t ? Promise.resolve(t) : login();
  }

  /** POST with the session; on 401 drop the token, log in again and retry exactly once. */
  function authedPost(path, body) {
    return ensureToken().then(function (token) {
      return post(path, body, token).then(function (res) {
        if (res.status !== 401) return res;
        if (session && session.token === token) {
          session = null;
          saveSession();
        }
        return ensureToken().then(function (fresh) { return post(path, body, fresh); });
      });
    });
  }

  // ---------------------------------------------------------------- retry policy
  function isRetryableStatus(status) {
    return status === 429 || status >= 500;
  }

  /** Exponential backoff with "equal jitter": half fixed, half random. */
  function backoffDelay(n) {
    var exp = Math.min(retry.maxMs, retry.baseMs * Math.pow(2, Math.max(0, n - 1)));
    return Math.round(exp / 2 + random() * (exp / 2));
  }

  function delayFor(n, err) {
    var d = backoffDelay(n);
    if (err && typeof err.retryAfterMs === 'number') d = Math.max(d, err.retryAfterMs);
    return d;
  }

  // not unref'd: a caller is awaiting this retry (unlike the background flush timers)
  function wait(ms) {
    return new Promise(function (resolve) { setT(resolve, ms); });
  }

  // node only: background timers must not keep a node process alive (mini program timers are numbers)
  function unref(t) {
    if (t && typeof t.unref === 'function') t.unref();
    return t;
  }

  /**
   * Authenticated JSON POST to {apiBase}{path} for the other helpers (subscriptions, events).
   * Retries network failures, 5xx and 429 (honouring Retry-After) up to retry.requestAttempts.
   * Resolves { status, data } for 2xx, rejects with an Error carrying .status/.data otherwise.
   */
  function request(path, body, opts) {
    var attempts = (opts && opts.attempts) || retry.requestAttempts;
    var n = 0;
    function once() {
      n++;
      return authedPost(path, body).then(
        function (res) {
          if (res.status >= 200 && res.status < 300) return { status: res.status, data: res.data };
          var err = responseError(path, res);
          if (isRetryableStatus(res.status) && n < attempts) return wait(delayFor(n, err)).then(once);
          throw err;
        },
        function (err) {
          var retryable = err.network || (err.status != null && isRetryableStatus(err.status));
          if (retryable && n < attempts && !destroyed) return wait(delayFor(n, err)).then(once);
          throw err;
        }
      );
    }
    return once();
  }

  // ---------------------------------------------------------------- flushing
  function newResult() {
    return { requests: 0, sent: 0, accepted: 0, duplicates: 0, rejected: [], expired: [], error: null, retryInMs: null, skipped: null };
  }

  function acknowledge(batch, data, result) {
    removeIds(batch);
    var d = data && typeof data === 'object' ? data : {};
    var accepted = Number(d.accepted) || 0;
    var duplicates = Number(d.duplicates) || 0;
    var rejected = Array.isArray(d.rejected) ? d.rejected : [];
    result.sent += batch.length;
    result.accepted += accepted;
    result.duplicates += duplicates;
    for (var i = 0; i < rejected.length; i++) result.rejected.push(rejected[i]);
    if (accepted + duplicates + rejected.length !== batch.length) {
      onError(new Error('pushconsole: console acknowledged ' + (accepted + duplicates + rejected.length) +
        ' of ' + batch.length + ' ids in a 200 reply'), 'formids');
    }
    if (rejected.length) onRejected(rejected);
  }

  function sendBatch(batch, result) {
    var body = { formIds: batch.map(function (it) { return { formId: it.formId, expire: it.expire, kind: it.kind }; }) };
    result.requests++;
    return authedPost('/formids', body).then(
      function (res) {
        if (res.status === 200) {
          acknowledge(batch, res.data, result);
          result.anyAccepted = true;
          return { ok: true };
        }
        if (res.status === 400 || res.status === 413) {
          if (batch.length > 1) {
            // find the bad id(s) by halving; the good halves go through
            var mid = Math.ceil(batch.length / 2);
            return sendBatch(batch.slice(0, mid), result).then(function (first) {
              return first.ok ? sendBatch(batch.slice(mid), result) : first;
            });
          }
          if (result.anyAccepted) {
            // the console takes our requests but refuses this one id: drop it so it cannot block the queue
            removeIds(batch);
            var r = { formId: batch[0].formId, reason: 'http_' + res.status };
            result.rejected.push(r);
            onRejected([r]);
            return { ok: true };
          }
        }
        return { ok: false, error: responseError('formids', res) };
      },
      function (err) { return { ok: false, error: err }; }
    );
  }

  function runFlush() {
    var result = newResult();
    function next() {
      if (destroyed) return result;
      purgeExpired(result);
      var batch = queue.slice(0, maxBatch);
      if (!batch.length) return result;
      return sendBatch(batch, result).then(function (outcome) {
        if (outcome.ok) {
          attempt = 0;
          return next();
        }
        attempt++;
        var delay = delayFor(attempt, outcome.error);
        blockedUntil = now() + delay;
        result.error = outcome.error;
        result.retryInMs = delay;
        armRetry(delay);
        onError(outcome.error, 'formids');
        return result;
      });
    }
    return Promise.resolve().then(next);
  }

  /**
   * Send everything queued, in requests of at most maxBatch ids, one request at a time.
   * While a flush is running, callers get a promise for one follow-up flush that starts when
   * it ends (so ids added meanwhile are covered). During backoff it sends nothing.
   */
  function flush() {
    if (destroyed) {
      var d = newResult();
      d.skipped = 'destroyed';
      return Promise.resolve(d);
    }
    if (inFlight) {
      if (!followUp) {
        var again = function () {
          followUp = null;
          return flush();
        };
        followUp = inFlight.then(again, again);
      }
      return followUp;
    }
    if (now() < blockedUntil) {
      var r = newResult();
      r.skipped = 'backoff';
      r.retryInMs = blockedUntil - now();
      return Promise.resolve(r);
    }
    inFlight = runFlush().then(
      function (res) { inFlight = null; delete res.anyAccepted; return res; },
      function (err) { inFlight = null; throw err; }
    );
    return inFlight;
  }

  function armRetry(delay) {
    if (retryTimer != null) clearT(retryTimer);
    retryTimer = unref(setT(function () {
      retryTimer = null;
      flush();
    }, delay));
  }

  function armInterval() {
    if (!flushIntervalMs || destroyed) return;
    intervalTimer = unref(setT(function () {
      intervalTimer = null;
      if (queue.length && !inFlight && now() >= blockedUntil) flush();
      armInterval();
    }, flushIntervalMs));
  }

  /** Call from App.onShow. */
  function onShow() {
    return flush();
  }

  /** Call from App.onHide: persist and try to ship before the app is suspended. */
  function onHide() {
    saveQueue();
    return flush();
  }

  /** Stop timers; the queue stays in storage for the next instance. */
  function destroy() {
    destroyed = true;
    if (retryTimer != null) clearT(retryTimer);
    if (intervalTimer != null) clearT(intervalTimer);
    retryTimer = intervalTimer = null;
    saveQueue();
  }

  restore();
  armInterval();

  return {
    appId: appId,
    baseUrl: baseUrl,
    add: add,
    addPrepayId: addPrepayId,
    flush: flush,
    onShow: onShow,
    onHide: onHide,
    login: login,
    request: request,
    destroy: destroy,
    size: function () { return queue.length; },
    peek: function () { return queue.map(function (it) { return { formId: it.formId, kind: it.kind, expire: it.expire }; }); },
    stats: function () { return JSON.parse(JSON.stringify(stats)); },
    isFlushing: function () { return inFlight != null; },
    backoffUntil: function () { return blockedUntil; }
  };
}

module.exports = { createUploader: createUploader };
