'use strict';
// Taro and uni-app: the plain functions, without the component and without a global `wx`.
// Both frameworks compile to a WeChat mini program and bundle npm packages themselves (webpack /
// vite read `main`, not DevTools' miniprogram_npm), and their API objects (`Taro`, `uni`) take the
// same options as wx with success/fail callbacks. The differences that matter are modelled here
// as their docs describe them: Taro's wrappers always return a promise as well, which rejects on
// fail even when a fail callback is given; uni's return a promise only without callbacks.
// A page of either framework collects formIds with its own <form report-submit> and hands
// e.detail.formId to kit.uploader.add().
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup } = require('./fake-wx');

const ASYNC_APIS = ['login', 'request', 'requestSubscribeMessage'];

/** Taro.xxx(options): calls the callbacks and returns a promise that settles the same way. */
function taroLike(wx) {
  const api = { getStorageSync: wx.getStorageSync, setStorageSync: wx.setStorageSync, getAccountInfoSync: wx.getAccountInfoSync };
  for (const name of ASYNC_APIS) {
    api[name] = (options = {}) => new Promise((resolve, reject) => {
      wx[name](Object.assign({}, options, {
        success: (res) => { if (options.success) options.success(res); resolve(res); },
        fail: (err) => { if (options.fail) options.fail(err); reject(err); }
      }));
    });
  }
  return api;
}

/** uni.xxx(options): callbacks when given, a promise only without them; no getAccountInfoSync off WeChat. */
function uniLike(wx) {
  const api = { getStorageSync: wx.getStorageSync, setStorageSync: wx.setStorageSync };
  for (const name of ASYNC_APIS) {
    api[name] = (options = {}) => {
      if (options.success || options.fail || options.complete) return wx[name](options);
      return new Promise((resolve, reject) => wx[name](Object.assign({}, options, { success: resolve, fail: reject })));
    };
  }
  return api;
}

function freshKit(t, api, extra = {}) {
  assert.equal(typeof global.wx, 'undefined', 'no global wx: everything goes through the framework object');
  const env = setup();
  // a fresh copy of the package, as a bundler includes it once per app
  for (const key of Object.keys(require.cache)) if (key.includes(`${require('node:path').sep}miniprogram_dist${require('node:path').sep}`)) delete require.cache[key];
  const pushconsole = require('../miniprogram_dist/index');
  const kit = pushconsole.init(Object.assign({
    baseUrl: 'https://push.example.com', wx: api(env.wx),
    now: env.clock.now, setTimeout: env.clock.setTimeout, clearTimeout: env.clock.clearTimeout, flushIntervalMs: 0, batchSize: 2
  }, extra));
  t.after(() => kit.uploader.destroy());
  return Object.assign(env, { kit, pushconsole });
}

/** What a Taro/uni page's own <form report-submit> onSubmit handler does. */
function onFormSubmit(kit, e) {
  return kit.uploader.add(e.detail.formId);
}

for (const [framework, api, extra] of [
  ['Taro', taroLike, {}],
  ['uni-app', uniLike, { appId: 'wxkit00000000001' }] // uni has no getAccountInfoSync off WeChat: appId given
]) {
  test(`${framework}: formIds from the page's own form reach the console in one batch, then check-in and subscribe`, async (t) => {
    const env = freshKit(t, api, extra);
    assert.equal(env.kit.uploader.appId, 'wxkit00000000001');
    assert.deepEqual(onFormSubmit(env.kit, { detail: { value: {}, formId: 'f0000000000000000000000000000001' } }), { queued: true });
    assert.deepEqual(onFormSubmit(env.kit, { detail: { value: {}, formId: 'f0000000000000000000000000000002' } }), { queued: true });
    await env.clock.advance(0);
    assert.deepEqual(env.server.requests('formids').map((r) => r.body.formIds.map((f) => f.formId)),
      [['f0000000000000000000000000000001', 'f0000000000000000000000000000002']]);
    assert.equal((await env.kit.checkin()).status, 200);
    env.wx.subscribeScript.push({ result: { tmplA: 'accept' } });
    const out = await env.wx.tap(() => env.kit.subscribe(['tmplA']));
    assert.deepEqual([out.ok, out.reported, out.result], [true, true, { tmplA: 'accept' }]);
    assert.equal(env.wx.calls.login, 1);
  });

  test(`${framework}: a failing login or network is retried by the kit and leaves no unhandled rejection`, async (t) => {
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    t.after(() => process.off('unhandledRejection', onUnhandled));
    const env = freshKit(t, api, extra);
    env.wx.loginScript.push({ fail: { errMsg: 'login:fail timeout' } });
    env.server.faults.push({ route: 'formids', network: true });
    onFormSubmit(env.kit, { detail: { formId: 'f0000000000000000000000000000003' } });
    const first = await env.kit.uploader.flush();
    assert.match(first.error.message, /wx.login failed/);
    await env.clock.advance(first.retryInMs);
    await env.clock.advance(60000);
    assert.deepEqual([...env.server.stored.keys()], ['f0000000000000000000000000000003']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });
}

test('ES module importers (bundlers, node import) see every export of the CommonJS entry by name', async () => {
  const esm = await import('../miniprogram_dist/index.js');
  const cjs = require('../miniprogram_dist/index');
  for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], name);
});
