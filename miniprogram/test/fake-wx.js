'use strict';
// Test doubles for the kit: a controllable clock, a fake `wx` object, and a fake PushConsole
// server that implements the /api/miniprogram/{appId}/... contract. When node's test runner
// executes this file on its own (it lives in test/), the self-checks at the bottom run, so the
// doubles are tested too and the file does not show up as an empty "passing" test.

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
function createFakeWx({ server = null, appId = 'wxkit00000000001' } = {}) {
  let codeSeq = 0;
  let inTap = false;
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

    request({ url, method, header, data, success, fail }) {
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
            if (success) success({ statusCode: res.status, header: res.headers || {}, data: res.data, errMsg: 'request:ok' });
          },
          (err) => {
            if (fail) fail({ errMsg: `request:fail ${err.message}` });
          }
        );
    },

    getStorageSync: (k) => (wx.storage.has(k) ? clone(wx.storage.get(k)) : ''),
    setStorageSync: (k, v) => { wx.storage.set(k, clone(v)); },
    removeStorageSync: (k) => { wx.storage.delete(k); },
    getAccountInfoSync: () => ({ miniProgram: { appId, envVersion: 'release', version: '1.0.0' } }),

    requestSubscribeMessage({ tmplIds, success, fail }) {
      const tapped = inTap;
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

    /** Run fn as a user's tap handler (synchronously), like the mini program runtime does. */
    tap(fn) {
      inTap = true;
      try {
        return fn();
      } finally {
        inTap = false;
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

module.exports = { MOCK_FORM_ID, DAY_MS, settle, createClock, createFakeWx, createFakeConsole, setup };

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

  test('fake wx: requestSubscribeMessage fails outside a tap', async () => {
    const wx = createFakeWx();
    const outside = await new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ['t'], success: resolve, fail: resolve }));
    assert.match(outside.errMsg, /TAP gesture/);
    const inside = await wx.tap(() => new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ['t'], success: resolve, fail: resolve })));
    assert.equal(inside.t, 'accept');
  });
}
