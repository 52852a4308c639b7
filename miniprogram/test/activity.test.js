'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup } = require('./fake-wx');
const { createActivity } = require('../miniprogram_dist/lib/activity');

test('checkin() posts {"type":"checkin"} to the events endpoint with the session token', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const activity = createActivity({ uploader: env.uploader() });
  const res = await activity.checkin();
  assert.equal(res.status, 200);
  const reqs = env.server.requests('events');
  assert.equal(reqs.length, 1);
  assert.deepEqual(reqs[0].body, { type: 'checkin' });
  assert.equal(reqs[0].auth, 'Bearer tok-1');
  assert.deepEqual(env.server.events, [{ type: 'checkin' }]);
});

test('track(type) posts any event type; empty types are refused locally', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const activity = createActivity({ uploader: env.uploader() });
  await activity.track('share');
  await assert.rejects(activity.track(''), TypeError);
  await assert.rejects(activity.track(), TypeError);
  assert.deepEqual(env.server.events, [{ type: 'share' }]);
});

test('events re-login on 401 and surface non-retryable errors', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader();
  const activity = createActivity({ uploader: up });
  await activity.checkin();
  env.server.expireAllTokens();
  await activity.checkin();
  assert.equal(env.wx.calls.login, 2);
  assert.equal(env.server.events.length, 2);
  env.server.faults.push({ route: 'events', response: { status: 404, headers: {}, data: { title: 'Unknown mini program' } } });
  await assert.rejects(activity.checkin(), (err) => err.status === 404 && /Unknown mini program/.test(err.message));
});

test('events give up after retry.requestAttempts network failures', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const activity = createActivity({ uploader: env.uploader({ retry: { baseMs: 1000, maxMs: 60000, requestAttempts: 3 } }) });
  for (let i = 0; i < 3; i++) env.server.faults.push({ route: 'events', network: true });
  const p = activity.checkin();
  const outcome = p.then(() => 'resolved', (e) => e);
  await env.clock.advance(60000);
  const err = await outcome;
  assert.ok(err.network, 'rejected with the network error');
  assert.equal(env.server.requests('events').length, 3);
});
