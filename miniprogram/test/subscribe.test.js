'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup } = require('./fake-wx');
const { createSubscriber, splitTemplateIds } = require('../miniprogram_dist/lib/subscribe');

function kit(options = {}) {
  const env = setup();
  const uploader = env.uploader();
  const subscriber = createSubscriber(Object.assign({ uploader, wx: env.wx }, options));
  return Object.assign(env, { uploader, subscriber });
}

test('reports the popup result to the console without errMsg, through the session', async (t) => {
  const env = kit();
  t.after(env.teardown);
  env.wx.subscribeScript.push({ result: { tmplA: 'accept', tmplB: 'reject' } });
  const out = await env.wx.tap(() => env.subscriber.subscribe(['tmplA', 'tmplB']));
  assert.deepEqual(env.wx.calls.subscribe, [{ tmplIds: ['tmplA', 'tmplB'], inTap: true }]);
  assert.equal(out.ok, true);
  assert.equal(out.reported, true);
  assert.deepEqual(out.result, { tmplA: 'accept', tmplB: 'reject' });
  const reqs = env.server.requests('subscriptions');
  assert.equal(reqs.length, 1);
  assert.deepEqual(reqs[0].body, { tmplA: 'accept', tmplB: 'reject' });
  assert.ok(!('errMsg' in reqs[0].body));
  assert.equal(reqs[0].auth, 'Bearer tok-1');
  assert.deepEqual(out.reply, { granted: ['tmplA'], rejected: [{ templateId: 'tmplB', reason: 'reject' }] });
});

test('calls wx.requestSubscribeMessage synchronously, before logging in', async (t) => {
  const env = kit();
  t.after(env.teardown);
  // no session yet: the login must come after the popup, or WeChat would refuse the call
  const p = env.wx.tap(() => env.subscriber.subscribe(['tmplA']));
  assert.equal(env.wx.calls.subscribe.length, 1);
  assert.equal(env.wx.calls.subscribe[0].inTap, true);
  assert.equal(env.wx.calls.login, 0);
  const out = await p;
  assert.equal(out.reported, true);
  assert.equal(env.wx.calls.login, 1);
});

test('fail callback (20004 main switch off) is returned and nothing is reported', async (t) => {
  const env = kit();
  t.after(env.teardown);
  env.wx.subscribeScript.push({ fail: { errCode: 20004, errMsg: 'requestSubscribeMessage:fail main switch is off' } });
  const out = await env.wx.tap(() => env.subscriber.subscribe(['tmplA']));
  assert.deepEqual(out, { ok: false, error: { errCode: 20004, errMsg: 'requestSubscribeMessage:fail main switch is off' } });
  assert.equal(env.server.log.length, 0, 'no login, no report');
});

test('called outside a tap, WeChat refuses; the helper returns that error and reports nothing', async (t) => {
  const env = kit();
  t.after(env.teardown);
  const out = await env.subscriber.subscribe(['tmplA']);
  assert.equal(out.ok, false);
  assert.match(out.error.errMsg, /TAP gesture/);
  assert.equal(env.server.requests('subscriptions').length, 0);
});

test('more than 3 template ids are rejected with a clear error, without calling wx', async (t) => {
  const env = kit();
  t.after(env.teardown);
  await assert.rejects(
    env.wx.tap(() => env.subscriber.subscribe(['t1', 't2', 't3', 't4'])),
    (err) => err.code === 'PUSHCONSOLE_TOO_MANY_TEMPLATE_IDS' && /at most 3 template ids per call, got 4/.test(err.message)
  );
  assert.equal(env.wx.calls.subscribe.length, 0);
  await assert.rejects(env.subscriber.subscribe([]), { code: 'PUSHCONSOLE_BAD_TEMPLATE_IDS' });
  await assert.rejects(env.subscriber.subscribe(['ok', 42]), { code: 'PUSHCONSOLE_BAD_TEMPLATE_IDS' });
  assert.deepEqual(splitTemplateIds(['t1', 't2', 't3', 't4', 't5', 't6', 't7']), [['t1', 't2', 't3'], ['t4', 't5', 't6'], ['t7']]);
});

test('maxPerCall can be raised if WeChat allows more ids per call', async (t) => {
  const env = kit({ maxPerCall: 5 });
  t.after(env.teardown);
  env.wx.subscribeScript.push({ fail: { errCode: 20003, errMsg: 'requestSubscribeMessage:fail TmplIds count is over the limit' } });
  const out = await env.wx.tap(() => env.subscriber.subscribe(['t1', 't2', 't3', 't4']));
  assert.equal(env.wx.calls.subscribe[0].tmplIds.length, 4);
  assert.equal(out.error.errCode, 20003);
});

test('a failed report still returns the user\'s choice', async (t) => {
  const env = kit();
  t.after(env.teardown);
  env.server.faults.push({ route: 'subscriptions', response: { status: 400, headers: {}, data: { title: 'bad' } } });
  const out = await env.wx.tap(() => env.subscriber.subscribe(['tmplA']));
  assert.equal(out.ok, true);
  assert.equal(out.reported, false);
  assert.equal(out.reportError.status, 400);
  assert.deepEqual(out.result, { tmplA: 'accept' });
});

test('the report is retried after a 503 and re-sent after a 401 re-login', async (t) => {
  const env = kit();
  t.after(env.teardown);
  await env.uploader.login();
  env.server.expireAllTokens();
  env.server.faults.push({ route: 'subscriptions', response: { status: 503, headers: { 'Retry-After': '2' }, data: null } });
  const p = env.wx.tap(() => env.subscriber.subscribe(['tmplA']));
  await env.clock.advance(2000);
  const out = await p;
  assert.equal(out.reported, true);
  const reqs = env.server.requests('subscriptions');
  assert.deepEqual(reqs.map((r) => [r.auth, r.at - reqs[0].at]), [['Bearer tok-1', 0], ['Bearer tok-1', 2000], ['Bearer tok-2', 2000]]);
  assert.equal(env.server.subscriptions.length, 1);
});
