'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup } = require('./fake-wx');
const pushconsole = require('../miniprogram_dist/index');

test('init() wires uploader, subscribe, checkin and app hooks on one session, and registers the kit', async (t) => {
  const env = setup();
  const kit = pushconsole.init({
    baseUrl: 'https://console.test', appId: 'wxkit00000000001', wx: env.wx,
    now: env.clock.now, setTimeout: env.clock.setTimeout, clearTimeout: env.clock.clearTimeout, flushIntervalMs: 0
  });
  t.after(() => { kit.uploader.destroy(); require('../miniprogram_dist/lib/registry').setKit(null); });
  assert.equal(pushconsole.getKit(), kit);
  kit.uploader.add('i1');
  kit.addPrepayId('i2');
  await kit.onHide();
  await kit.checkin();
  const sub = await env.wx.tap(() => kit.subscribe(['tmplA']));
  assert.equal(sub.reported, true);
  await kit.track('share');
  await kit.onShow();
  assert.equal(env.wx.calls.login, 1);
  assert.deepEqual(env.server.log.map((r) => r.route), ['login', 'formids', 'events', 'subscriptions', 'events']);
  assert.equal(pushconsole.MOCK_FORM_ID, 'the formId is a mock one');
});

test('a second init() replaces the first kit and stops its timers', (t) => {
  const env = setup();
  const opts = { baseUrl: 'https://console.test', appId: 'wxkit00000000001', wx: env.wx, now: env.clock.now, setTimeout: env.clock.setTimeout, clearTimeout: env.clock.clearTimeout };
  const a = pushconsole.init(opts);
  assert.equal(env.clock.pending().length, 1, 'flush timer armed');
  const b = pushconsole.init(opts);
  t.after(() => { b.uploader.destroy(); require('../miniprogram_dist/lib/registry').setKit(null); });
  assert.notEqual(a, b);
  assert.equal(pushconsole.getKit(), b);
  assert.equal(env.clock.pending().length, 1, 'only the new kit has a timer');
  assert.deepEqual(a.uploader.add('late'), { queued: false, reason: 'destroyed' });
});
