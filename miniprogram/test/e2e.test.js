'use strict';
// End-to-end: the kit, with node's fetch as transport, against a running PushConsole and its
// WeChat simulator. Configure with
//   PUSHCONSOLE_E2E_URL    console base URL                     e.g. http://127.0.0.1:5000
//   PUSHCONSOLE_E2E_SIM    simulator control base URL           e.g. http://127.0.0.1:5000/sim/control
//   PUSHCONSOLE_E2E_APPID  a mini program AppID the console knows (and the simulator serves)
//   PUSHCONSOLE_E2E_OPENID optional: the simulated user (default: a fresh one per run)
//   PUSHCONSOLE_E2E_TEMPLATE optional: a subscribe template id of that app, for the subscribe test
// Without the first three, every test here is skipped with that reason.

const test = require('node:test');
const assert = require('node:assert/strict');

// ---------------------------------------------------------------- simulator control adapter
// The only code that knows the simulator's control routes. Adjust these functions (routes,
// bodies, reply fields) to the simulator; the tests below only use their return values.

/** POST JSON to the simulator control API and return the parsed reply; throws on non-2xx. */
async function simPost(simBase, path, body) {
  const res = await fetch(`${simBase.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path} answered HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A fresh wx.login code of mini program `appId` for user `openid`, as the simulated WeChat would
 * give the device. The console's login endpoint exchanges it through the simulator's jscode2session.
 * @returns {Promise<string>}
 */
async function mintLoginCode(simBase, appId, openid) {
  const reply = await simPost(simBase, `/miniprogram/${encodeURIComponent(appId)}/login-codes`, { openid });
  if (!reply || typeof reply.code !== 'string') throw new Error(`simulator login-codes reply has no code: ${JSON.stringify(reply)}`);
  return reply.code;
}

/**
 * `count` formIds that user `openid` produced by submitting report-submit forms in mini program
 * `appId` (kind 'form'), registered with the simulator so template sends can use them.
 * @returns {Promise<string[]>}
 */
async function mintFormIds(simBase, appId, openid, count) {
  const reply = await simPost(simBase, `/miniprogram/${encodeURIComponent(appId)}/formids`, { openid, count });
  if (!reply || !Array.isArray(reply.formIds)) throw new Error(`simulator formids reply has no formIds: ${JSON.stringify(reply)}`);
  return reply.formIds;
}

// ---------------------------------------------------------------- the tests

const { createUploader } = require('../lib/uploader');
const { createSubscriber } = require('../lib/subscribe');
const { createActivity } = require('../lib/activity');
const { fetchTransport } = require('../lib/http');
const { MOCK_FORM_ID } = require('../lib/constants');

const env = {
  url: process.env.PUSHCONSOLE_E2E_URL,
  sim: process.env.PUSHCONSOLE_E2E_SIM,
  appId: process.env.PUSHCONSOLE_E2E_APPID,
  openid: process.env.PUSHCONSOLE_E2E_OPENID,
  template: process.env.PUSHCONSOLE_E2E_TEMPLATE
};
const SKIP_REASON = 'end-to-end run needs PUSHCONSOLE_E2E_URL, PUSHCONSOLE_E2E_SIM and PUSHCONSOLE_E2E_APPID (console + simulator)';

function configured(t) {
  if (env.url && env.sim && env.appId) return true;
  t.skip(SKIP_REASON);
  return false;
}

/** A minimal wx for node: login mints codes at the simulator, storage in memory, tap context for subscribe. */
function nodeWx(openid) {
  const storage = new Map();
  let inTap = false;
  const wx = {
    logins: 0,
    subscribeAnswer: null,
    login({ success, fail }) {
      wx.logins++;
      mintLoginCode(env.sim, env.appId, openid).then((code) => success({ code, errMsg: 'login:ok' }), (e) => fail({ errMsg: `login:fail ${e.message}` }));
    },
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => { storage.set(k, JSON.stringify(v)); },
    requestSubscribeMessage({ tmplIds, success, fail }) {
      const tapped = inTap;
      Promise.resolve().then(() => {
        if (!tapped) return fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' });
        const res = { errMsg: 'requestSubscribeMessage:ok' };
        for (const id of tmplIds) res[id] = wx.subscribeAnswer || 'accept';
        return success(res);
      });
    },
    tap(fn) {
      inTap = true;
      try { return fn(); } finally { inTap = false; }
    }
  };
  return wx;
}

function kit(t) {
  const openid = env.openid || `e2e-kit-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const wx = nodeWx(openid);
  const replies = [];
  const base = fetchTransport(fetch);
  const transport = (url, req) => base(url, req).then((res) => { replies.push({ url, status: res.status, data: res.data }); return res; });
  const uploader = createUploader({ baseUrl: env.url, appId: env.appId, wx, transport, flushIntervalMs: 0, batchSize: 1000, retry: { baseMs: 200, maxMs: 2000 } });
  t.after(() => uploader.destroy());
  return { openid, wx, replies, uploader };
}

test('e2e: the kit logs in with a simulator code and the console accepts its formIds', async (t) => {
  if (!configured(t)) return;
  const { openid, wx, replies, uploader } = kit(t);
  const formIds = await mintFormIds(env.sim, env.appId, openid, 3);
  assert.equal(formIds.length, 3, 'simulator minted 3 formIds');

  for (const id of formIds) assert.deepEqual(uploader.add(id), { queued: true });
  assert.deepEqual(uploader.add(MOCK_FORM_ID), { queued: false, reason: 'mock' });
  const res = await uploader.flush();
  assert.equal(res.error, null, `flush failed: ${res.error && res.error.message}`);

  const login = replies.filter((r) => r.url.endsWith('/login'));
  assert.equal(login.length, 1);
  assert.equal(login[0].status, 200);
  assert.equal(typeof login[0].data.token, 'string');
  assert.ok(login[0].data.expiresIn > 0);

  const upload = replies.filter((r) => r.url.endsWith('/formids'));
  assert.equal(upload.length, 1);
  assert.equal(upload[0].status, 200);
  assert.deepEqual(upload[0].data.rejected, [], 'nothing rejected');
  assert.equal(upload[0].data.accepted, 3, 'console accepted all three formIds');
  assert.equal(res.accepted, 3);
  assert.equal(uploader.size(), 0);

  // the same ids again: final as duplicates, over the same session
  for (const id of formIds) uploader.add(id);
  const again = await uploader.flush();
  assert.equal(again.error, null, `second flush failed: ${again.error && again.error.message}`);
  assert.equal(again.accepted, 0);
  assert.equal(again.duplicates, 3);
  assert.equal(wx.logins, 1, 'one login for the whole session');
});

test('e2e: check-in event is accepted with the kit session', async (t) => {
  if (!configured(t)) return;
  const { uploader } = kit(t);
  const activity = createActivity({ uploader });
  const res = await activity.checkin();
  assert.equal(res.status, 200);
});

test('e2e: a subscribe result is reported and answered with granted/rejected', async (t) => {
  if (!configured(t)) return;
  if (!env.template) {
    t.skip('set PUSHCONSOLE_E2E_TEMPLATE to a subscribe template id of the e2e app');
    return;
  }
  const { wx, uploader } = kit(t);
  const subscriber = createSubscriber({ uploader, wx });
  const out = await wx.tap(() => subscriber.subscribe([env.template]));
  assert.equal(out.ok, true);
  assert.equal(out.reported, true, `report failed: ${out.reportError && out.reportError.message}`);
  assert.deepEqual(out.reply.granted, [env.template]);
  assert.deepEqual(out.reply.rejected, []);
});
