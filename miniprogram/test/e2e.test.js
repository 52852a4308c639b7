'use strict';
// End-to-end: the kit, with node's fetch as transport, against a running PushConsole and its
// WeChat simulator. ./test.sh starts a console for this (fresh SQLite, Development, demo data)
// and sets the variables; by hand, configure with
//   PUSHCONSOLE_E2E_URL      console base URL                       e.g. http://127.0.0.1:5080
//   PUSHCONSOLE_E2E_SIM      simulator control base URL             e.g. http://127.0.0.1:5080/sim/control
//   PUSHCONSOLE_E2E_APPID    a mini program AppID the console knows and the simulator serves
//                            (the demo mini program: wxdemominiprog01)
//   PUSHCONSOLE_E2E_TOKEN    an API token of a console admin (Bootstrap:ApiToken), to read the pool
//   PUSHCONSOLE_E2E_LEGACY_TEMPLATE optional: the WeChat id of a legacy (formId) template of the app,
//                            for the claim test (default: the demo's DemoLegacyCheckinTmpl...)
//   PUSHCONSOLE_E2E_TEMPLATE optional: a subscribe template id of that app, for the subscribe test
//   PUSHCONSOLE_E2E_OPENID   optional: the simulated user (default: a fresh one per test)
// Without URL, SIM, APPID and TOKEN every test here is skipped with that reason, unless
// PUSHCONSOLE_E2E_REQUIRED=1 (set by ./test.sh): then they fail. PUSHCONSOLE_E2E_STARTUP_ERROR
// (set by ./test.sh when the console did not come up) fails every test with that text.

const test = require('node:test');
const assert = require('node:assert/strict');

// ---------------------------------------------------------------- simulator control adapter
// The only code that knows the simulator's control routes (docs/simulator.md, "Control API");
// the tests below only use the return values.

async function call(base, method, path, body, headers) {
  const res = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: res.status, data };
}

async function simCall(simBase, method, path, body) {
  const res = await call(simBase, method, path, body);
  if (res.status < 200 || res.status > 299) throw new Error(`simulator ${method} ${path} answered HTTP ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data;
}

const appPath = (appId) => `/apps/${encodeURIComponent(appId)}`;

/**
 * A fresh wx.login code of mini program `appId` for user `openid`, as the simulated WeChat would
 * give the device: POST {sim}/apps/{appid}/codes {openid} -> {code, openid, expires_in}.
 * The console's login endpoint exchanges it through the simulator's jscode2session.
 */
async function mintLoginCode(simBase, appId, openid) {
  const reply = await simCall(simBase, 'POST', `${appPath(appId)}/codes`, { openid });
  if (!reply || typeof reply.code !== 'string') throw new Error(`simulator codes reply has no code: ${JSON.stringify(reply)}`);
  return reply.code;
}

/**
 * `count` formIds that user `openid` produced by submitting report-submit forms in mini program
 * `appId`: POST {sim}/apps/{appid}/formids {openid, count} -> {form_ids:[...]}.
 */
async function mintFormIds(simBase, appId, openid, count) {
  const reply = await simCall(simBase, 'POST', `${appPath(appId)}/formids`, { openid, count });
  if (!reply || !Array.isArray(reply.form_ids)) throw new Error(`simulator formids reply has no form_ids: ${JSON.stringify(reply)}`);
  return reply.form_ids;
}

/** Sends a formId still allows at the simulator: GET {sim}/apps/{appid}/formids/{formid} -> {remaining}. */
async function formIdRemaining(simBase, appId, formId) {
  return (await simCall(simBase, 'GET', `${appPath(appId)}/formids/${encodeURIComponent(formId)}`)).remaining;
}

/** What the simulated WeChat delivered to a user: GET {sim}/inbox/{appid}/{openid} -> {count, messages}. */
async function inbox(simBase, appId, openid) {
  return simCall(simBase, 'GET', `/inbox/${encodeURIComponent(appId)}/${encodeURIComponent(openid)}`);
}

// ---------------------------------------------------------------- console API (/api/v1, API token)

async function api(method, path, body) {
  const res = await call(env.url, method, `/api/v1${path}`, body, { Authorization: `Bearer ${env.token}` });
  if (res.status < 200 || res.status > 299) throw new Error(`console ${method} /api/v1${path} answered HTTP ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data;
}

let accountPromise = null;
/** The console's account of the e2e app: GET /api/v1/accounts. */
function consoleAccount() {
  accountPromise = accountPromise || api('GET', '/accounts').then((list) => {
    const account = list.find((a) => a.appId === env.appId);
    if (!account) throw new Error(`the console has no account with AppID ${env.appId}: ${JSON.stringify(list.map((a) => a.appId))}`);
    return account;
  });
  return accountPromise;
}

/** The pool's usable credentials of one user, from the inventory (its top users: GET /api/v1/inventory?accountId=). */
async function usableInPool(accountId, openid) {
  const inventory = await api('GET', `/inventory?accountId=${accountId}`);
  const row = inventory.topUsers.find((u) => u.openId === openid);
  return row ? row.credentials : 0;
}

async function until(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------- the tests

const { createUploader } = require('../miniprogram_dist/lib/uploader');
const { createSubscriber } = require('../miniprogram_dist/lib/subscribe');
const { createActivity } = require('../miniprogram_dist/lib/activity');
const { fetchTransport } = require('../miniprogram_dist/lib/http');
const { MOCK_FORM_ID } = require('../miniprogram_dist/lib/constants');

const env = {
  url: process.env.PUSHCONSOLE_E2E_URL,
  sim: process.env.PUSHCONSOLE_E2E_SIM,
  appId: process.env.PUSHCONSOLE_E2E_APPID,
  token: process.env.PUSHCONSOLE_E2E_TOKEN,
  openid: process.env.PUSHCONSOLE_E2E_OPENID,
  legacyTemplate: process.env.PUSHCONSOLE_E2E_LEGACY_TEMPLATE || 'DemoLegacyCheckinTmpl000000000000000000001',
  template: process.env.PUSHCONSOLE_E2E_TEMPLATE,
  required: process.env.PUSHCONSOLE_E2E_REQUIRED === '1',
  startupError: process.env.PUSHCONSOLE_E2E_STARTUP_ERROR
};
const MISSING = 'end-to-end run needs PUSHCONSOLE_E2E_URL, PUSHCONSOLE_E2E_SIM, PUSHCONSOLE_E2E_APPID and PUSHCONSOLE_E2E_TOKEN (console + simulator)';

function configured(t) {
  if (env.startupError) throw new Error(`no console to test against: ${env.startupError}`);
  if (env.url && env.sim && env.appId && env.token) return true;
  if (env.required) throw new Error(`PUSHCONSOLE_E2E_REQUIRED=1 but ${MISSING}`);
  t.skip(MISSING);
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

let users = 0;
/** The kit for a fresh simulated user; `before(wx)` runs before the uploader reads its storage. */
function kit(t, before) {
  const openid = env.openid || `e2e-kit-${Date.now().toString(36)}-${++users}-${Math.random().toString(36).slice(2, 8)}`;
  const wx = nodeWx(openid);
  if (before) before(wx);
  const exchanges = []; // every request the kit made, with the console's answer
  const base = fetchTransport(fetch);
  const transport = (url, req) => base(url, req).then((res) => {
    exchanges.push({ path: new URL(url).pathname, body: req.body || '', status: res.status, data: res.data });
    return res;
  });
  const uploader = createUploader({ baseUrl: env.url, appId: env.appId, wx, transport, flushIntervalMs: 0, batchSize: 1000, retry: { baseMs: 200, maxMs: 2000 } });
  t.after(() => uploader.destroy());
  return { openid, wx, exchanges, uploader };
}

const endsWith = (suffix) => (x) => x.path.endsWith(suffix);

test('e2e: formIds the kit uploads become claimable in the console pool', async (t) => {
  if (!configured(t)) return;
  const account = await consoleAccount();
  const { openid, wx, exchanges, uploader } = kit(t);
  // 13: more than any demo user holds (at most 12), so the user shows among the inventory's top users
  const formIds = await mintFormIds(env.sim, env.appId, openid, 13);
  assert.equal(formIds.length, 13, 'simulator minted 13 formIds');
  assert.equal(await usableInPool(account.id, openid), 0, 'nothing in the pool for the fresh user before the upload');

  for (const id of formIds) assert.deepEqual(uploader.add(id), { queued: true });
  assert.deepEqual(uploader.add(MOCK_FORM_ID), { queued: false, reason: 'mock' });
  const res = await uploader.flush();
  assert.equal(res.error, null, `flush failed: ${res.error && res.error.message}`);

  const login = exchanges.filter(endsWith('/login'));
  assert.equal(login.length, 1);
  assert.equal(login[0].status, 200);
  assert.equal(typeof login[0].data.token, 'string');
  assert.ok(login[0].data.expiresIn > 0);
  const upload = exchanges.filter(endsWith('/formids'));
  assert.equal(upload.length, 1);
  assert.equal(upload[0].status, 200);
  assert.deepEqual(upload[0].data.rejected, [], 'nothing rejected');
  assert.equal(upload[0].data.accepted, 13, 'console accepted all 13 formIds');
  assert.equal(res.accepted, 13);
  assert.equal(uploader.size(), 0);

  // the pool, as the console reports it: 13 usable credentials for this user
  assert.equal(await usableInPool(account.id, openid), 13, 'inventory: the user holds 13 usable credentials');

  // the same ids again: duplicates, over the same session
  for (const id of formIds) uploader.add(id);
  const again = await uploader.flush();
  assert.equal(again.error, null, `second flush failed: ${again.error && again.error.message}`);
  assert.equal(again.accepted, 0);
  assert.equal(again.duplicates, 13);
  assert.equal(wx.logins, 1, 'one login for the whole session');
  assert.ok(exchanges.every((x) => !x.body.includes(MOCK_FORM_ID)), 'the DevTools mock id never went to the console');

  // claim one: a campaign of the legacy (formId) template to just this user
  const templates = await api('GET', `/templates?accountId=${account.id}`);
  const legacy = templates.find((x) => x.weChatTemplateId === env.legacyTemplate);
  assert.ok(legacy, `the console has the legacy template ${env.legacyTemplate}`);
  const campaign = { name: `e2e kit ${openid}`, accountId: account.id, templateId: legacy.id, audience: 'UploadedList', recipients: [openid] };
  const dry = await api('POST', '/campaigns/dry-run', campaign);
  assert.equal(dry.succeeded, true, `dry run: ${JSON.stringify(dry.errors)}`);
  assert.equal(dry.withUsableCredential, 1, 'dry run: the user holds a usable credential for the template');
  assert.equal(dry.expectedSends, 1);
  await api('POST', '/campaigns', campaign); // schedule "Now": fires at once

  const box = await until('the simulator to deliver the campaign message', async () => {
    const b = await inbox(env.sim, env.appId, openid);
    return b.count > 0 ? b : null;
  });
  assert.equal(box.count, 1, 'exactly one message');
  const used = box.messages[0].form_id;
  assert.ok(formIds.includes(used), `the send used one of the kit's formIds (${used})`);
  assert.equal(await formIdRemaining(env.sim, env.appId, used), 0, 'the simulator counted the formId as used');
  await until('the pool to count the claimed formId', async () => (await usableInPool(account.id, openid)) === 12);
});

test('e2e: a stale session token answered 401 makes the kit log in again and retry', async (t) => {
  if (!configured(t)) return;
  const account = await consoleAccount();
  const { openid, wx, exchanges, uploader } = kit(t, (w) => {
    // a session left in storage by an earlier run, which the console does not know (any more)
    w.setStorageSync(`pushconsole:${env.appId}:session`,
      { apiBase: `${env.url.replace(/\/+$/, '')}/api/miniprogram/${encodeURIComponent(env.appId)}`, token: 'stale-session-token', expiresAt: Date.now() + 3600e3 });
  });
  const [formId] = await mintFormIds(env.sim, env.appId, openid, 1);
  uploader.add(formId);
  const res = await uploader.flush();
  assert.equal(res.error, null, `flush failed: ${res.error && res.error.message}`);
  assert.equal(res.accepted, 1);
  assert.deepEqual(exchanges.map((x) => `${x.path.split('/').pop()} ${x.status}`), ['formids 401', 'login 200', 'formids 200']);
  assert.equal(wx.logins, 1);
  // the user holds only this one, so the top-users list may not show them: ask the dry run instead
  const templates = await api('GET', `/templates?accountId=${account.id}`);
  const legacy = templates.find((x) => x.weChatTemplateId === env.legacyTemplate);
  const dry = await api('POST', '/campaigns/dry-run', { name: 'e2e dry', accountId: account.id, templateId: legacy.id, audience: 'UploadedList', recipients: [openid] });
  assert.equal(dry.withUsableCredential, 1, 'the formId uploaded after the re-login is in the pool');
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
