'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, MOCK_FORM_ID, DAY_MS, STORAGE_TOTAL_LIMIT } = require('./fake-wx');

function problem(status, extraHeaders) {
  return { status, headers: Object.assign({ 'Content-Type': 'application/problem+json' }, extraHeaders), data: { title: 'x', status } };
}

/** formIds carried by each formids request, in order. */
function batches(server) {
  return server.requests('formids').map((r) => r.body.formIds.map((e) => e.formId));
}

function ids(prefix, n) {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
}

test('logs in once: one wx.login and one console login serve many uploads, token sent as Bearer', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('a1');
  await up.flush();
  up.add('a2');
  up.add('a3');
  await up.flush();
  assert.equal(env.wx.calls.login, 1);
  assert.equal(env.server.requests('login').length, 1);
  const fr = env.server.requests('formids');
  assert.equal(fr.length, 2);
  assert.ok(fr.every((r) => r.auth === 'Bearer tok-1'), 'every upload carries the session token');
  assert.deepEqual([...env.server.stored.keys()], ['a1', 'a2', 'a3']);
});

test('concurrent first uploads share a single login', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  const { createActivity } = require('../miniprogram_dist/lib/activity');
  const activity = createActivity({ uploader: up });
  up.add('c1');
  await Promise.all([up.flush(), activity.checkin(), activity.track('open')]);
  assert.equal(env.wx.calls.login, 1);
  assert.equal(env.server.requests('login').length, 1);
});

test('session token is kept in storage with its expiry and reused by a new instance', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up1 = env.uploader({ batchSize: 100 });
  up1.add('s1');
  await up1.flush();
  up1.destroy();
  const stored = env.wx.getStorageSync('pushconsole:wxkit00000000001:session');
  assert.equal(stored.token, 'tok-1');
  assert.equal(stored.expiresAt, env.clock.now() + 7200 * 1000);
  const up2 = env.uploader({ batchSize: 100 });
  up2.add('s2');
  await up2.flush();
  assert.equal(env.wx.calls.login, 1, 'no second login while the stored token is valid');
  assert.equal(env.server.requests('formids')[1].auth, 'Bearer tok-1');
});

test('logs in again when the stored token has expired locally', async (t) => {
  const env = setup({ tokenTtlSec: 600 });
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('e1');
  await up.flush();
  await env.clock.advance(600 * 1000);
  up.add('e2');
  await up.flush();
  assert.equal(env.wx.calls.login, 2);
  assert.deepEqual(env.server.requests('formids').map((r) => r.auth), ['Bearer tok-1', 'Bearer tok-2']);
  assert.equal(env.server.log.filter((r) => r.route === 'formids').length, 2, 'no request was wasted on a 401');
});

test('re-logs in on 401 and retries the request once', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('r1');
  await up.flush();
  env.server.expireAllTokens(); // console forgot the session (restart, revoked, other app ...)
  up.add('r2');
  const res = await up.flush();
  assert.equal(res.accepted, 1);
  assert.equal(env.wx.calls.login, 2);
  const fr = env.server.requests('formids');
  assert.deepEqual(fr.map((r) => r.auth), ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  assert.deepEqual(fr[2].body.formIds.map((e) => e.formId), ['r2']);
  assert.equal(up.size(), 0);
});

test('a second 401 after re-login is not retried in a loop: it backs off and keeps the ids', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.server.faults.push({ route: 'formids', response: problem(401) }, { route: 'formids', response: problem(401) });
  up.add('x1');
  const res = await up.flush();
  assert.equal(res.error.status, 401);
  assert.equal(env.server.requests('formids').length, 2);
  assert.equal(env.server.requests('login').length, 2);
  assert.equal(up.size(), 1);
  await env.clock.advance(1000);
  assert.deepEqual(batches(env.server)[2], ['x1']);
  assert.equal(up.size(), 0);
});

test('drops the DevTools mock formId and never sends it', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 1 });
  assert.deepEqual(up.add(MOCK_FORM_ID), { queued: false, reason: 'mock' });
  assert.deepEqual(up.add(''), { queued: false, reason: 'empty' });
  assert.deepEqual(up.add(undefined), { queued: false, reason: 'empty' });
  assert.equal(up.size(), 0);
  await up.flush();
  assert.equal(env.server.log.length, 0, 'no login, no upload');
  // a mock id smuggled into storage (older kit version) is dropped on restore too
  env.wx.setStorageSync('pushconsole:wxkit00000000001', { v: 1, items: [{ formId: MOCK_FORM_ID, kind: 'form', expire: env.clock.now() + DAY_MS }] });
  const up2 = env.uploader();
  assert.equal(up2.size(), 0);
});

test('never sends an expired id, nor one that expires within the safety margin', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100, safetyMarginMs: 10 * 60 * 1000 });
  const now = env.clock.now();
  assert.deepEqual(up.add('old', { submittedAt: now - 8 * DAY_MS }), { queued: false, reason: 'expired' });
  assert.deepEqual(up.add('nearly', { submittedAt: now - 7 * DAY_MS + 5 * 60 * 1000 }), { queued: false, reason: 'expired' });
  assert.deepEqual(up.add('okay', { submittedAt: now - 7 * DAY_MS + 60 * 60 * 1000 }), { queued: true });
  assert.deepEqual(up.add('fresh'), { queued: true });
  // 'okay' has one hour to live; after 55 minutes it is inside the margin and must be dropped
  await env.clock.advance(55 * 60 * 1000);
  const res = await up.flush();
  assert.deepEqual(res.expired, ['okay']);
  assert.deepEqual(batches(env.server), [['fresh']]);
  assert.ok(env.server.received.every((e) => e.expire > env.clock.now()));
  // the expiry sent is 7 days after the tap
  assert.equal(env.server.received[0].expire, now + 7 * DAY_MS);
});

test('ids that expire while waiting in the queue are purged before sending', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('w1');
  await env.clock.advance(7 * DAY_MS);
  up.add('w2');
  await up.flush();
  assert.deepEqual(batches(env.server), [['w2']]);
});

test('drops duplicates already queued', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  assert.deepEqual(up.add('d1'), { queued: true });
  assert.deepEqual(up.add('d1'), { queued: false, reason: 'duplicate' });
  assert.deepEqual(up.add('d1', { kind: 'prepay' }), { queued: false, reason: 'duplicate' });
  assert.equal(up.size(), 1);
  await up.flush();
  assert.deepEqual(batches(env.server), [['d1']]);
});

test('prepay ids are sent with kind "prepay" and 7 days of life from the payment', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  const paidAt = env.clock.now() - DAY_MS;
  up.addPrepayId('wx201410272009395522657a690389285100', { paidAt });
  up.add('form-1');
  await up.flush();
  assert.deepEqual(env.server.received, [
    { formId: 'wx201410272009395522657a690389285100', kind: 'prepay', expire: paidAt + 7 * DAY_MS },
    { formId: 'form-1', kind: 'form', expire: env.clock.now() + 7 * DAY_MS }
  ]);
});

test('flushes by itself when batchSize ids are queued', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 3 });
  up.add('b1');
  up.add('b2');
  await env.clock.advance(0);
  assert.equal(env.server.requests('formids').length, 0);
  up.add('b3');
  await env.clock.advance(0);
  assert.deepEqual(batches(env.server), [['b1', 'b2', 'b3']]);
  assert.equal(up.size(), 0);
});

test('flushes on the timer every flushIntervalMs', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100, flushIntervalMs: 30000 });
  up.add('t1');
  await env.clock.advance(29999);
  assert.equal(env.server.requests('formids').length, 0);
  await env.clock.advance(1);
  assert.deepEqual(batches(env.server), [['t1']]);
  up.add('t2');
  await env.clock.advance(30000);
  assert.deepEqual(batches(env.server), [['t1'], ['t2']]);
  await env.clock.advance(90000);
  assert.equal(env.server.requests('formids').length, 2, 'an empty queue sends nothing');
});

test('flushes on onHide and onShow', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('h1');
  await up.onHide();
  assert.deepEqual(batches(env.server), [['h1']]);
  up.add('h2');
  await up.onShow();
  assert.deepEqual(batches(env.server), [['h1'], ['h2']]);
});

test('backs off exponentially on network failure, then delivers', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100, retry: { baseMs: 1000, maxMs: 60000 } });
  env.server.faults.push({ route: 'formids', network: true }, { route: 'formids', network: true }, { route: 'formids', network: true });
  up.add('n1');
  const t0 = env.clock.now();
  const first = await up.flush();
  assert.ok(first.error.network);
  assert.equal(first.retryInMs, 1000);
  assert.equal(up.size(), 1, 'nothing removed on failure');
  // a flush requested during backoff sends nothing
  const during = await up.flush();
  assert.equal(during.skipped, 'backoff');
  await env.clock.advance(60000);
  const at = env.server.requests('formids').map((r) => r.at - t0);
  assert.deepEqual(at, [0, 1000, 3000, 7000], 'delays 1s, 2s, 4s');
  assert.equal(up.size(), 0);
  assert.deepEqual([...env.server.stored.keys()], ['n1']);
});

test('backoff delay is capped at retry.maxMs and jittered within [half, full]', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const draws = [0, 0.5, 0, 0, 0, 0];
  const up = env.uploader({ batchSize: 100, retry: { baseMs: 1000, maxMs: 4000 }, random: () => draws.shift() ?? 0 });
  for (let i = 0; i < 6; i++) env.server.faults.push({ route: 'formids', network: true });
  up.add('j1');
  const t0 = env.clock.now();
  await up.flush();
  await env.clock.advance(60000);
  const at = env.server.requests('formids').map((r) => r.at - t0);
  const gaps = at.slice(1).map((v, i) => v - at[i]);
  // exp: 1000, 2000, 4000, 4000(cap), 4000, 4000; equal jitter = exp/2 + r*exp/2
  assert.deepEqual(gaps, [500, 1500, 2000, 2000, 2000, 2000]);
  assert.equal(up.size(), 0);
});

test('backs off on 5xx', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.server.faults.push({ route: 'formids', response: problem(503) }, { route: 'formids', response: problem(500) });
  up.add('s1');
  const t0 = env.clock.now();
  const res = await up.flush();
  assert.equal(res.error.status, 503);
  assert.equal(up.size(), 1);
  await env.clock.advance(999);
  assert.equal(env.server.requests('formids').length, 1);
  await env.clock.advance(10000);
  assert.deepEqual(env.server.requests('formids').map((r) => r.at - t0), [0, 1000, 3000]);
  assert.equal(up.size(), 0);
});

test('honours Retry-After on 429', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.server.faults.push({ route: 'formids', response: problem(429, { 'retry-after': '7' }) });
  up.add('q1');
  const t0 = env.clock.now();
  const res = await up.flush();
  assert.equal(res.error.status, 429);
  assert.equal(res.retryInMs, 7000);
  await env.clock.advance(3000);
  await up.onShow(); // app shown again: still inside Retry-After, nothing goes out
  up.add('q2');
  await up.flush();
  await env.clock.advance(3999);
  assert.equal(env.server.requests('formids').length, 1);
  await env.clock.advance(1);
  assert.deepEqual(env.server.requests('formids').map((r) => r.at - t0), [0, 7000]);
  assert.deepEqual(batches(env.server)[1], ['q1', 'q2']);
  assert.equal(up.size(), 0);
});

test('Retry-After as an HTTP date is honoured too', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  const when = new Date(env.clock.now() + 20000).toUTCString();
  env.server.faults.push({ route: 'formids', response: problem(429, { 'Retry-After': when }) });
  up.add('q1');
  const res = await up.flush();
  assert.equal(res.retryInMs, 20000);
});

test('login failures back off as well and keep the queue', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.wx.loginScript.push({ fail: { errMsg: 'login:fail network' } });
  env.server.faults.push({ route: 'login', response: problem(502) });
  up.add('l1');
  const r1 = await up.flush();
  assert.match(r1.error.message, /wx\.login failed/);
  await env.clock.advance(1000);
  assert.equal(env.server.requests('login').length, 1, 'second attempt reached the console and got 502');
  assert.equal(up.size(), 1);
  await env.clock.advance(2000);
  assert.equal(up.size(), 0);
  assert.equal(env.wx.calls.login, 3);
});

test('queue is persisted and restored by a new uploader instance', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up1 = env.uploader({ batchSize: 100 });
  up1.add('p1');
  up1.addPrepayId('p2');
  up1.add('p3');
  const saved = env.wx.getStorageSync('pushconsole:wxkit00000000001');
  assert.deepEqual(saved.items.map((i) => i.formId), ['p1', 'p2', 'p3']);
  up1.destroy(); // the mini program was killed before flushing

  const up2 = env.uploader({ batchSize: 100 });
  assert.deepEqual(up2.peek().map((i) => [i.formId, i.kind]), [['p1', 'form'], ['p2', 'prepay'], ['p3', 'form']]);
  assert.deepEqual(up2.add('p1'), { queued: false, reason: 'duplicate' });
  await up2.flush();
  assert.deepEqual(batches(env.server), [['p1', 'p2', 'p3']]);
  assert.deepEqual(env.wx.getStorageSync('pushconsole:wxkit00000000001').items, []);
});

test('a custom storageKey keeps separate queues', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const a = env.uploader({ batchSize: 100, storageKey: 'queue-a' });
  a.add('k1');
  const b = env.uploader({ batchSize: 100, storageKey: 'queue-b' });
  assert.equal(b.size(), 0);
  assert.deepEqual(env.wx.getStorageSync('queue-a').items.map((i) => i.formId), ['k1']);
});

test('when wx storage is full (10 MB) the queue keeps working in memory and onError reports storage', async (t) => {
  const env = setup();
  t.after(env.teardown);
  // the app's own data leaves 20 bytes free
  for (let i = 0; i < 10; i++) env.wx.setStorageSync(`other-${i}`, 'x'.repeat(1024 * 1024 - 1000));
  env.wx.setStorageSync('pad', '');
  env.wx.setStorageSync('pad', 'x'.repeat(STORAGE_TOTAL_LIMIT - env.wx.storageBytes() - 20));
  const errors = [];
  const up = env.uploader({ batchSize: 100, onError: (err, where) => errors.push([where, err.message]) });
  assert.deepEqual(up.add('s1'), { queued: true });
  assert.deepEqual(errors, [['storage', 'setStorageSync:fail exceed storage max size 10MB']]);
  assert.equal(env.wx.getStorageSync(`pushconsole:${env.server.appId}`), '', 'nothing half-written');
  const res = await up.flush();
  assert.equal(res.accepted, 1);
  assert.deepEqual([...env.server.stored.keys()], ['s1']);
});

test('removes only what the console acknowledged; ids added meanwhile stay queued', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('a1');
  up.add('a2');
  const release = env.server.hold();
  const p = up.flush();
  await env.clock.advance(0);
  assert.ok(up.isFlushing());
  up.add('a3'); // tapped while the upload is on the wire
  env.server.faults.push({ route: 'formids', response: problem(503) }); // the follow-up batch fails
  release();
  const res = await p;
  assert.equal(res.sent, 2);
  assert.equal(res.requests, 2);
  assert.equal(res.error.status, 503);
  assert.deepEqual(up.peek().map((i) => i.formId), ['a3']);
  assert.deepEqual(env.wx.getStorageSync('pushconsole:wxkit00000000001').items.map((i) => i.formId), ['a3']);
});

test('rejected and duplicate replies are final: removed and reported via onRejected', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const rejectedSeen = [];
  const up = env.uploader({ batchSize: 100, onRejected: (list) => rejectedSeen.push(...list) });
  env.server.stored.set('dup1', { formId: 'dup1' });
  env.server.rejectIds.set('bad1', 'openid_mismatch');
  up.add('dup1');
  up.add('bad1');
  up.add('good1');
  const res = await up.flush();
  assert.equal(res.accepted, 1);
  assert.equal(res.duplicates, 1);
  assert.deepEqual(res.rejected, [{ formId: 'bad1', reason: 'openid_mismatch' }]);
  assert.deepEqual(rejectedSeen, [{ formId: 'bad1', reason: 'openid_mismatch' }]);
  assert.equal(up.size(), 0);
  await up.flush();
  assert.equal(env.server.requests('formids').length, 1, 'nothing is sent twice');
});

test('a 400 batch is halved to isolate the malformed id; the good ids get through', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.server.badRequestIds.add('poison');
  for (const id of ['g1', 'g2', 'poison', 'g3']) up.add(id);
  const res = await up.flush();
  assert.deepEqual([...env.server.stored.keys()].sort(), ['g1', 'g2', 'g3']);
  assert.deepEqual(res.rejected, [{ formId: 'poison', reason: 'http_400' }]);
  assert.equal(up.size(), 0);
});

test('a 400 with no evidence the console takes our format keeps the id and backs off', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  env.server.faults.push({ route: 'formids', response: problem(400) });
  up.add('only1');
  const res = await up.flush();
  assert.equal(res.error.status, 400);
  assert.equal(up.size(), 1);
  await env.clock.advance(1000);
  assert.equal(up.size(), 0);
});

test('only one flush is in flight at a time; concurrent calls coalesce into one follow-up', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 2 });
  const release = env.server.hold();
  up.add('c1');
  up.add('c2'); // batchSize reached: flush starts and is held by the console
  await env.clock.advance(0);
  up.add('c3');
  up.add('c4'); // batchSize reached again while in flight
  const p1 = up.flush();
  const p2 = up.onHide();
  const p3 = up.flush();
  assert.equal(p1, p2);
  assert.equal(p2, p3);
  await env.clock.advance(0);
  assert.equal(env.server.requests('formids').length, 1);
  release();
  await Promise.all([p1, p2, p3]);
  assert.equal(env.server.maxInFlight, 1);
  assert.deepEqual(batches(env.server), [['c1', 'c2'], ['c3', 'c4']]);
  assert.equal(up.size(), 0);
});

test('more than 100 ids are split into requests of at most 100, sent one after another', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 1000, maxBatch: 500 });
  for (const id of ids('m', 250)) up.add(id);
  const res = await up.flush();
  assert.deepEqual(batches(env.server).map((b) => b.length), [100, 100, 50]);
  assert.equal(res.accepted, 250);
  assert.equal(res.requests, 3);
  assert.equal(env.server.maxInFlight, 1);
  assert.equal(up.size(), 0);
});

test('maxBatch below 100 is respected; a failure mid-way keeps the unsent rest', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 1000, maxBatch: 20 });
  for (const id of ids('z', 50)) up.add(id);
  env.server.faults.push({ route: 'formids', response: { status: 200, headers: {}, data: { accepted: 20, duplicates: 0, rejected: [] } } });
  env.server.faults.push({ route: 'formids', response: problem(503) });
  const res = await up.flush();
  assert.equal(res.sent, 20);
  assert.equal(up.size(), 30);
  assert.equal(up.peek()[0].formId, 'z0020');
  await env.clock.advance(1000);
  // 20 acknowledged, 20 failed (503), then the remaining 30 as 20 + 10
  assert.deepEqual(batches(env.server).map((b) => b.length), [20, 20, 20, 10]);
  assert.equal(batches(env.server)[2][0], 'z0020');
  assert.equal(up.size(), 0);
});

test('base URL and app id form the endpoint; requests are JSON POSTs', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 100 });
  up.add('u1');
  await up.flush();
  const reqs = env.wx.calls.request;
  assert.deepEqual(reqs.map((r) => r.url), [
    'https://console.test/api/miniprogram/wxkit00000000001/login',
    'https://console.test/api/miniprogram/wxkit00000000001/formids'
  ]);
  assert.ok(reqs.every((r) => r.method === 'POST' && r.headers['Content-Type'] === 'application/json'));
  assert.deepEqual(reqs[0].body, { code: 'code-1' });
});

test('appId defaults to wx.getAccountInfoSync(); baseUrl is required', () => {
  const { createUploader } = require('../miniprogram_dist/lib/uploader');
  const env = setup();
  const up = createUploader({ baseUrl: 'https://c', wx: env.wx, flushIntervalMs: 0 });
  assert.equal(up.appId, 'wxkit00000000001');
  up.destroy();
  assert.throws(() => createUploader({ appId: 'x', wx: env.wx }), /baseUrl/);
});

test('a full queue evicts the id closest to expiry', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const up = env.uploader({ batchSize: 1000, maxQueue: 3 });
  const now = env.clock.now();
  up.add('old', { submittedAt: now - 3 * DAY_MS });
  up.add('mid', { submittedAt: now - DAY_MS });
  up.add('new1');
  up.add('new2');
  assert.deepEqual(up.peek().map((i) => i.formId), ['mid', 'new1', 'new2']);
});

test('an exception in onRejected does not break the queue or later flushes', async (t) => {
  const env = setup();
  t.after(env.teardown);
  const error = t.mock.method(console, 'error', () => {});
  const up = env.uploader({ batchSize: 100, onRejected: () => { throw new Error('app bug'); } });
  env.server.rejectIds.set('r1', 'invalid');
  up.add('r1');
  up.add('r2');
  const res = await up.flush();
  assert.equal(res.accepted, 1);
  assert.equal(up.size(), 0);
  assert.equal(error.mock.callCount(), 1);
  up.add('r3');
  await up.flush();
  assert.deepEqual(batches(env.server), [['r1', 'r2'], ['r3']]);
});
