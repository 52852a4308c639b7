'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { createClock, createFakeWx, createFakeConsole } = require('./fake-wx');
const { fetchTransport, retryAfterMs, header } = require('../miniprogram_dist/lib/http');
const { createUploader } = require('../miniprogram_dist/lib/uploader');

/** Serve the fake console over real HTTP so the fetch transport is exercised end to end. */
async function startHttpConsole(t) {
  const wx = createFakeWx();
  const server = createFakeConsole({ wx });
  const srv = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', async () => {
      let out;
      try {
        out = await server.handle({ url: `http://${req.headers.host}${req.url}`, method: req.method, headers: req.headers, body: raw ? JSON.parse(raw) : null });
      } catch (e) {
        req.socket.destroy(); // fault "network": drop the connection
        return;
      }
      res.writeHead(out.status, out.headers || {});
      res.end(out.data == null ? '' : JSON.stringify(out.data));
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => srv.close(resolve)));
  return { wx, server, baseUrl: `http://127.0.0.1:${srv.address().port}` };
}

test('fetch transport: login, upload and problem+json replies over real HTTP', async (t) => {
  const { wx, server, baseUrl } = await startHttpConsole(t);
  const up = createUploader({ baseUrl, appId: server.appId, wx, transport: fetchTransport(fetch), flushIntervalMs: 0, batchSize: 100 });
  t.after(() => up.destroy());
  up.add('h1');
  up.addPrepayId('h2');
  const res = await up.flush();
  assert.equal(res.accepted, 2);
  assert.deepEqual([...server.stored.keys()], ['h1', 'h2']);
  server.faults.push({ route: 'formids', response: { status: 429, headers: { 'Retry-After': '30', 'Content-Type': 'application/problem+json' }, data: { title: 'slow down', status: 429 } } });
  up.add('h3');
  const limited = await up.flush();
  assert.equal(limited.error.status, 429);
  assert.equal(limited.retryInMs >= 30000, true);
  assert.match(limited.error.message, /HTTP 429 \(slow down\)/);
  assert.equal(up.size(), 1);
});

test('fetch transport: a dropped connection is a network error', async (t) => {
  const { server, baseUrl } = await startHttpConsole(t);
  const transport = fetchTransport(fetch);
  server.faults.push({ network: true });
  await assert.rejects(transport(`${baseUrl}/api/miniprogram/${server.appId}/events`, { method: 'POST', headers: {}, body: '{}' }), (e) => e.network === true);
  const ok = await transport(`${baseUrl}/nothing`, { method: 'GET', headers: {} });
  assert.equal(ok.status, 404);
  assert.equal(ok.data.title, 'Not Found');
});

test('Retry-After parsing and case-insensitive headers', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(retryAfterMs({ 'Retry-After': '12' }, now), 12000);
  assert.equal(retryAfterMs({ 'retry-after': '0.5' }, now), 500);
  assert.equal(retryAfterMs({ 'RETRY-AFTER': new Date(now + 90000).toUTCString() }, now), 90000);
  assert.equal(retryAfterMs({ 'Retry-After': 'soon' }, now), null);
  assert.equal(retryAfterMs({}, now), null);
  assert.equal(header({ 'Content-Type': 'x' }, 'content-type'), 'x');
});
