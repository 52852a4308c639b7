'use strict';
// Smoke test of the sample App and page, installed as a developer installs the kit (node_modules,
// then DevTools' "build npm") and run as the runtime would: App() / Page() / wx globals, lifecycle
// hooks, and the handlers wired in the wxml, with requires resolved the DevTools way.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { setup } = require('./fake-wx');
const { sampleProject, useDevToolsResolution, resolveComponent, KIT_NAME } = require('./devtools');

function load(file) {
  const captured = {};
  global.App = (def) => { captured.app = def; };
  global.Page = (def) => { captured.page = def; };
  try {
    require(file);
  } finally {
    delete global.App;
    delete global.Page;
  }
  return captured;
}

test('sample app + page: launch, check-in tap with formId, subscribe tap, hide', async (t) => {
  const root = sampleProject(t);
  t.after(useDevToolsResolution(root));
  const env = setup();
  global.wx = env.wx; // the runtime's global wx, used by app.js and by the kit by default
  t.after(() => { delete global.wx; });
  const { app } = load(path.join(root, 'app.js'));
  app.onLaunch();
  const kitModule = require(path.join(root, 'miniprogram_npm', KIT_NAME, 'index.js'));
  t.after(() => app.pushconsole.uploader.destroy());
  app.onShow();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(env.server.log.length, 0, 'empty queue at launch: no login yet');
  assert.equal(app.pushconsole.uploader.appId, 'wxkit00000000001');
  assert.equal(kitModule.getKit(), app.pushconsole, 'the page and the app share the kit from miniprogram_npm');

  const { page: def } = load(path.join(root, 'pages/sample/index.js'));
  const page = Object.assign({}, def, { data: Object.assign({}, def.data), setData(d) { Object.assign(this.data, d); } });
  page.onShow();

  // the wxml wires these handlers, the json names the kit's component
  const wxml = fs.readFileSync(path.join(root, 'pages/sample/index.wxml'), 'utf8');
  for (const m of wxml.matchAll(/bind(?::)?tap="(\w+)"/g)) assert.equal(typeof page[m[1]], 'function', m[1]);
  const jsonFile = path.join(root, 'pages/sample/index.json');
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  assert.equal(resolveComponent(root, jsonFile, json.usingComponents['formid-collector']),
    path.join(root, 'miniprogram_npm', KIT_NAME, 'components/formid-collector/index'));

  // formid-collector queued an id and re-emitted the tap
  app.pushconsole.uploader.add('f0000000000000000000000000000001');
  page.onCheckin({ detail: { formId: 'f0000000000000000000000000000001', queued: true } });
  assert.equal(page.data.queued, 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.match(page.data.status, /Checked in \(\+1 formId\)/);

  env.wx.subscribeScript.push({ result: { YOUR_TEMPLATE_ID_1: 'accept', YOUR_TEMPLATE_ID_2: 'reject' } });
  env.wx.tap(() => page.onSubscribe());
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(page.data.status, '已订阅 Accepted 1/2');

  await app.onHide();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([...env.server.stored.keys()], ['f0000000000000000000000000000001']);
  assert.deepEqual(env.server.log.map((r) => r.route), ['login', 'events', 'subscriptions', 'formids']);
});
