'use strict';
// Test doubles for the kit: a controllable clock, a fake `wx` object, and a fake PushConsole
// server that implements the /api/miniprogram/{appId}/... contract. When node's test runner
// executes this file on its own (it lives in test/), the self-checks at the bottom run, so the
// doubles are tested too and the file does not show up as an empty "passing" test.
//
// The fake `wx` covers only what WeChat's component test tools (miniprogram-simulate, see
// wechat-simulate.js) answer with fixed stubs: storage, login, request, and the subscribe popup
// with its tap-gesture rule. It follows WeChat's documentation of those APIs:
// - getStorageSync(key) gives '' for a missing key; setStorageSync stores a copy and throws when a
//   key's data exceeds 1 MB or all data exceeds 10 MB (单个 key 上限 1MB，总上限 10MB).
// - login calls success({ code, errMsg: 'login:ok' }) asynchronously; a code is valid once.
// - request calls success for every HTTP reply, 4xx/5xx included, with { data, statusCode, header,
//   cookies, errMsg: 'request:ok' }; fail({ errMsg: 'request:fail …' }) only when no reply came.
//   A string `data` is sent as is; with dataType 'json' a string reply is JSON-parsed.
// - requestSubscribeMessage fails unless called during the user's tap; otherwise success gets
//   { [tmplId]: 'accept' | 'reject' | …, errMsg: 'requestSubscribeMessage:ok' }.

const MOCK_FORM_ID = 'the formId is a mock one';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Let pending promise jobs and I/O callbacks run. */
async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A fake clock whose timers only fire when advance() moves time past them. */
function createClock(start = Date.UTC(2026, 0, 5, 8, 0, 0)) {
  let t = start;
  let seq = 0;
  const timers = new Map();
  const clock = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = ++seq;
      timers.set(id, { at: t + Math.max(0, Number(ms) || 0), fn, seq: id });
      return id;
    },
    clearTimeout: (id) => { timers.delete(id); },
    /** Delays (from now) of the pending timers, ascending. */
    pending: () => [...timers.values()].map((x) => x.at - t).sort((a, b) => a - b),
    /** Move time forward by ms, firing due timers in order and letting promises settle after each. */
    async advance(ms) {
      const end = t + ms;
      await settle();
      for (;;) {
        let next = null;
        for (const [id, x] of timers) {
          if (x.at <= end && (!next || x.at < next.x.at || (x.at === next.x.at && x.seq < next.x.seq))) next = { id, x };
        }
        if (!next) break;
        timers.delete(next.id);
        t = next.x.at;
        next.x.fn();
        await settle();
      }
      t = end;
      await settle();
    }
  };
  return clock;
}

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function headerValue(headers, name) {
  for (const k of Object.keys(headers || {})) if (k.toLowerCase() === name.toLowerCase()) return headers[k];
  return undefined;
}

/**
 * A fake `wx`: login hands out single-use codes, request goes to server.handle(req),
 * storage is a Map (getStorageSync gives '' for a missing key, like wx), and
 * requestSubscribeMessage follows wx.subscribeScript and only works inside wx.tap(fn).
 */
const STORAGE_KEY_LIMIT = 1024 * 1024;
const STORAGE_TOTAL_LIMIT = 10 * 1024 * 1024;

function storedSize(key, value) {
  return Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value === undefined ? null : value));
}

function createFakeWx({ server = null, appId = 'wxkit00000000001' } = {}) {
  let codeSeq = 0;
  let tapDepth = 0;
  const sizes = new Map(); // key -> bytes it takes
  const wx = {
    appId,
    server,
    storage: new Map(),
    issuedCodes: new Set(),
    loginScript: [], // entries { fail: {errMsg} } make the next wx.login calls fail
    subscribeScript: [], // entries { result: {tmplId: status} } or { fail: {errCode, errMsg} }
    calls: { login: 0, request: [], subscribe: [] },

    login({ success, fail }) {
      wx.calls.login++;
      const step = wx.loginScript.shift();
      Promise.resolve().then(() => {
        if (step && step.fail) {
          if (fail) fail(step.fail);
          return;
        }
        const code = `code-${++codeSeq}`;
        wx.issuedCodes.add(code);
        if (success) success({ code, errMsg: 'login:ok' });
      });
    },

    request({ url, method = 'GET', header, data, dataType = 'json', success, fail }) {
      const req = {
        url,
        method,
        headers: header || {},
        body: typeof data === 'string' ? JSON.parse(data) : clone(data)
      };
      wx.calls.request.push(req);
      Promise.resolve()
        .then(() => {
          if (!wx.server) throw new Error('no server');
          return wx.server.handle(req);
        })
        .then(
          (res) => {
            let body = res.data;
            if (dataType === 'json' && typeof body === 'string') { try { body = JSON.parse(body); } catch (e) { /* stays text */ } }
            if (success) success({ statusCode: res.status, header: res.headers || {}, data: body, cookies: [], errMsg: 'request:ok' });
          },
          (err) => {
            if (fail) fail({ errMsg: `request:fail ${err.message}` });
          }
        );
    },

    getStorageSync: (k) => (wx.storage.has(k) ? clone(wx.storage.get(k)) : ''),
    setStorageSync: (k, v) => {
      const size = storedSize(k, v);
      if (size > STORAGE_KEY_LIMIT) throw new Error('setStorageSync:fail exceed storage item max length');
      if (wx.storageBytes() - (sizes.get(k) || 0) + size > STORAGE_TOTAL_LIMIT) {
        throw new Error('setStorageSync:fail exceed storage max size 10MB');
      }
      wx.storage.set(k, clone(v));
      sizes.set(k, size);
    },
    removeStorageSync: (k) => { wx.storage.delete(k); sizes.delete(k); },
    /** Bytes in storage, counted as the limits count them (key + JSON of the data). */
    storageBytes: () => { let n = 0; for (const v of sizes.values()) n += v; return n; },
    getAccountInfoSync: () => ({ miniProgram: { appId, envVersion: 'release', version: '1.0.0' } }),

    requestSubscribeMessage({ tmplIds, success, fail }) {
      const tapped = tapDepth > 0;
      wx.calls.subscribe.push({ tmplIds: tmplIds.slice(), inTap: tapped });
      const step = wx.subscribeScript.shift();
      Promise.resolve().then(() => {
        if (!tapped) {
          fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' });
        } else if (step && step.fail) {
          fail(step.fail);
        } else if (tmplIds.length > 3) {
          fail({ errCode: 20003, errMsg: 'requestSubscribeMessage:fail TmplIds count is over the limit' });
        } else {
          const res = { errMsg: 'requestSubscribeMessage:ok' };
          for (const id of tmplIds) res[id] = (step && step.result && step.result[id]) || 'accept';
          success(res);
        }
      });
    },

    /** The user's tap gesture starts / ends (wechat-simulate.js calls these around a dispatched tap). */
    beginTap() { tapDepth++; },
    endTap() { tapDepth = Math.max(0, tapDepth - 1); },

    /** Run fn as a user's tap handler (synchronously), like the mini program runtime does. */
    tap(fn) {
      wx.beginTap();
      try {
        return fn();
      } finally {
        wx.endTap();
      }
    }
  };
  return wx;
}

function problem(status, title, extraHeaders) {
  return {
    status,
    headers: Object.assign({ 'Content-Type': 'application/problem+json' }, extraHeaders || {}),
    data: { type: 'about:blank', title, status }
  };
}

/**
 * A fake PushConsole implementing the kit's endpoint contract.
 * Faults: server.faults.push({ route: 'formids'|'login'|..., network: true } or { route, response }).
 * Holding: server.hold() makes formids requests wait until the returned release() is called.
 */
function createFakeConsole({ wx, clock, appId = 'wxkit00000000001', tokenTtlSec = 7200 } = {}) {
  let tokenSeq = 0;
  let gate = null;
  const server = {
    appId,
    tokens: new Map(), // token -> { appId, expiresAt }
    stored: new Map(), // formId -> { formId, kind, expire }
    received: [], // every formId entry that reached the formids route
    subscriptions: [],
    events: [],
    log: [], // { route, at, auth, body }
    faults: [],
    inFlight: 0,
    maxInFlight: 0,
    rejectIds: new Map(), // formId -> reason the console rejects it with
    badRequestIds: new Set(), // a batch containing one of these is answered 400

    hold() {
      let release;
      const p = new Promise((resolve) => { release = resolve; });
      gate = p;
      return () => { gate = null; release(); };
    },

    expireAllTokens() {
      server.tokens.clear();
    },

    requests(route) {
      return server.log.filter((r) => r.route === route);
    },

    async handle(req) {
      const path = new URL(req.url).pathname;
      const m = /^\/api\/miniprogram\/([^/]+)\/(login|formids|subscriptions|events)$/.exec(path);
      const route = m ? m[2] : path;
      const auth = headerValue(req.headers, 'authorization') || null;
      server.log.push({ route, at: clock ? clock.now() : Date.now(), auth, body: req.body });
      const fi = server.faults.findIndex((f) => !f.route || f.route === route);
      if (fi >= 0) {
        const f = server.faults.splice(fi, 1)[0];
        if (f.network) throw new Error('connection reset');
        return f.response;
      }
      if (req.method !== 'POST' || !m) return problem(404, 'Not Found');
      if (decodeURIComponent(m[1]) !== appId) return problem(404, 'Unknown mini program');
      if (route === 'login') return login(req.body);
      const who = authorize(auth);
      if (!who) return problem(401, 'Session token missing, expired or for another app');
      if (route === 'formids') {
        server.inFlight++;
        server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
        try {
          if (gate) await gate;
          return formIds(req.body);
        } finally {
          server.inFlight--;
        }
      }
      if (route === 'subscriptions') return subscriptions(req.body);
      return events(req.body);
    }
  };

  function now() {
    return clock ? clock.now() : Date.now();
  }

  function login(body) {
    if (!body || typeof body.code !== 'string' || !body.code) return problem(400, 'code is required');
    if (!wx || !wx.issuedCodes.has(body.code)) return problem(401, 'invalid code');
    wx.issuedCodes.delete(body.code); // single use
    const token = `tok-${++tokenSeq}`;
    server.tokens.set(token, { appId, expiresAt: now() + tokenTtlSec * 1000 });
    return { status: 200, headers: { 'Content-Type': 'application/json' }, data: { token, expiresIn: tokenTtlSec } };
  }

  function authorize(auth) {
    const m = /^Bearer (.+)$/.exec(auth || '');
    const t = m && server.tokens.get(m[1]);
    return t && t.appId === appId && t.expiresAt > now() ? t : null;
  }

  function formIds(body) {
    const list = body && body.formIds;
    if (!Array.isArray(list) || list.length === 0) return problem(400, 'formIds must be a non-empty array');
    if (list.length > 100) return problem(413, 'at most 100 formIds per request');
    const entries = list.map((e) => (typeof e === 'string' ? { formId: e } : e));
    if (entries.some((e) => !e || typeof e.formId !== 'string' || !e.formId)) return problem(400, 'bad formId entry');
    if (entries.some((e) => server.badRequestIds.has(e.formId))) return problem(400, 'malformed formId');
    let accepted = 0;
    let duplicates = 0;
    const rejected = [];
    for (const e of entries) {
      server.received.push(clone(e));
      if (e.formId === MOCK_FORM_ID) rejected.push({ formId: e.formId, reason: 'mock' });
      else if (typeof e.expire === 'number' && e.expire <= now()) rejected.push({ formId: e.formId, reason: 'expired' });
      else if (server.rejectIds.has(e.formId)) rejected.push({ formId: e.formId, reason: server.rejectIds.get(e.formId) });
      else if (server.stored.has(e.formId)) duplicates++;
      else {
        server.stored.set(e.formId, clone(e));
        accepted++;
      }
    }
    return { status: 200, headers: { 'Content-Type': 'application/json' }, data: { accepted, duplicates, rejected } };
  }

  function subscriptions(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return problem(400, 'object expected');
    if ('errMsg' in body) return problem(400, 'errMsg is not a template id');
    server.subscriptions.push(clone(body));
    const granted = [];
    const rejected = [];
    for (const [templateId, status] of Object.entries(body)) {
      if (status === 'accept' || status === 'acceptWithAudio') granted.push(templateId);
      else rejected.push({ templateId, reason: String(status) });
    }
    return { status: 200, headers: { 'Content-Type': 'application/json' }, data: { granted, rejected } };
  }

  function events(body) {
    if (!body || typeof body.type !== 'string' || !body.type) return problem(400, 'type is required');
    server.events.push(clone(body));
    return { status: 200, headers: { 'Content-Type': 'application/json' }, data: {} };
  }

  return server;
}

/** A clock + wx + console wired together, and a factory for uploaders on that clock. */
function setup({ appId = 'wxkit00000000001', tokenTtlSec = 7200 } = {}) {
  const clock = createClock();
  const wx = createFakeWx({ appId });
  const server = createFakeConsole({ wx, clock, appId, tokenTtlSec });
  wx.server = server;
  const { createUploader } = require('../miniprogram_dist/lib/uploader');
  const made = [];
  function uploader(options = {}) {
    const u = createUploader(Object.assign({
      baseUrl: 'https://console.test/',
      appId,
      wx,
      now: clock.now,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      random: () => 1, // deterministic: full backoff delay, no jitter discount
      flushIntervalMs: 0, // tests that want the timer turn it on
      retry: { baseMs: 1000, maxMs: 60000 }
    }, options));
    made.push(u);
    return u;
  }
  function teardown() {
    for (const u of made) u.destroy();
  }
  return { clock, wx, server, uploader, teardown };
}

module.exports = { MOCK_FORM_ID, DAY_MS, STORAGE_TOTAL_LIMIT, settle, createClock, createFakeWx, createFakeConsole, setup };

// ------------------------------------------------------------------ self-checks of the doubles
if (require.main === module) {
  const test = require('node:test');
  const assert = require('node:assert/strict');

  test('fake clock fires timers in time order and only when due', async () => {
    const clock = createClock(0);
    const fired = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    const c = clock.setTimeout(() => fired.push('cancelled'), 15);
    clock.clearTimeout(c);
    await clock.advance(9);
    assert.deepEqual(fired, []);
    await clock.advance(11);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.now(), 20);
  });

  test('fake wx: storage mimics wx, login codes are single use at the fake console', async () => {
    const { wx, server } = setup();
    assert.equal(wx.getStorageSync('missing'), '');
    wx.setStorageSync('k', { a: 1 });
    const got = wx.getStorageSync('k');
    got.a = 2;
    assert.deepEqual(wx.getStorageSync('k'), { a: 1 });
    const code = await new Promise((resolve) => wx.login({ success: (r) => resolve(r.code) }));
    const ok = await server.handle({ url: `https://x/api/miniprogram/${server.appId}/login`, method: 'POST', headers: {}, body: { code } });
    assert.equal(ok.status, 200);
    const again = await server.handle({ url: `https://x/api/miniprogram/${server.appId}/login`, method: 'POST', headers: {}, body: { code } });
    assert.equal(again.status, 401);
  });

  test('fake wx: setStorageSync refuses a key over 1 MB and more than 10 MB in all, as documented', () => {
    const wx = createFakeWx();
    assert.throws(() => wx.setStorageSync('big', 'x'.repeat(STORAGE_KEY_LIMIT)), /exceed storage item max length/);
    for (let i = 0; i < 10; i++) wx.setStorageSync(`k${i}`, 'x'.repeat(STORAGE_KEY_LIMIT - 100));
    assert.throws(() => wx.setStorageSync('k10', 'x'.repeat(1000)), /exceed storage max size/);
    wx.setStorageSync('k0', 'small'); // replacing a key frees its old size
    assert.equal(wx.getStorageSync('k0'), 'small');
  });

  test('fake wx: request succeeds for a 4xx reply and fails only without one', async () => {
    const wx = createFakeWx();
    wx.server = { handle: async () => ({ status: 404, headers: {}, data: '{"title":"Unknown mini program"}' }) };
    const res = await new Promise((resolve, reject) => wx.request({ url: 'https://x/a', method: 'POST', data: '{}', success: resolve, fail: reject }));
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.data, { title: 'Unknown mini program' });
    assert.equal(res.errMsg, 'request:ok');
    wx.server = null;
    const err = await new Promise((resolve, reject) => wx.request({ url: 'https://x/a', success: reject, fail: resolve }));
    assert.match(err.errMsg, /^request:fail /);
  });

  test('fake wx: requestSubscribeMessage fails outside a tap', async () => {
    const wx = createFakeWx();
    const outside = await new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ['t'], success: resolve, fail: resolve }));
    assert.match(outside.errMsg, /TAP gesture/);
    const inside = await wx.tap(() => new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ['t'], success: resolve, fail: resolve })));
    assert.equal(inside.t, 'accept');
  });
}
