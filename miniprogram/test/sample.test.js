'use strict';
// The sample mini program (example/) with the kit installed as a developer installs it
// (node_modules, then DevTools' "build npm", requires resolved from miniprogram_npm), its page
// rendered and tapped with miniprogram-simulate: the check-in card, the subscribe button and the
// upload link, against the fake console.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { setup } = require('./fake-wx');
const ws = require('./wechat-simulate');
const { sampleProject, useDevToolsResolution, resolveComponent, KIT_NAME } = require('./devtools');

test('sample app + page: launch, tap the check-in card (formId + check-in), subscribe, upload, hide', async (t) => {
  const root = sampleProject(t);
  t.after(useDevToolsResolution(root));
  const env = setup({ appId: global.wx.getAccountInfoSync().miniProgram.appId });
  t.after(ws.useFakeWx(env.wx));

  let app = null;
  global.App = (def) => { app = def; };
  t.after(() => { delete global.App; if (app) app.pushconsole.uploader.destroy(); });
  require(path.join(root, 'app.js'));
  app.onLaunch();
  app.onShow();
  await ws.settleEvents();
  assert.equal(env.server.log.length, 0, 'empty queue at launch: no login yet');

  // the page's usingComponents entry, resolved as DevTools resolves it
  const pageJson = path.join(root, 'pages/sample/index.json');
  const component = resolveComponent(root, pageJson, JSON.parse(fs.readFileSync(pageJson, 'utf8')).usingComponents['formid-collector']);
  assert.equal(component, path.join(root, 'miniprogram_npm', KIT_NAME, 'components/formid-collector/index'));
  const pageId = ws.loadPage(path.join(root, 'pages/sample/index'), root, { 'formid-collector': '/' + path.relative(root, component) });
  const page = ws.render(pageId, {}, env.wx);
  page.instance.onShow();
  assert.match(page.dom.textContent, /formIds waiting: 0/);

  // the check-in card inside formid-collector: one formId queued, the check-in sent
  await ws.tap(page.querySelector('.card'));
  const formId = ws.formIds.issued.at(-1);
  assert.deepEqual(app.pushconsole.uploader.peek().map((i) => i.formId), [formId]);
  await ws.settleEvents();
  assert.match(page.dom.textContent, /formIds waiting: 1/);
  assert.match(page.dom.textContent, /Checked in \(\+1 formId\)/);

  // the plain subscribe button: the popup opens because the call happens during the tap
  env.wx.subscribeScript.push({ result: { YOUR_TEMPLATE_ID_1: 'accept', YOUR_TEMPLATE_ID_2: 'reject' } });
  await ws.tap(page.querySelector('.primary'));
  await ws.settleEvents();
  assert.deepEqual(env.wx.calls.subscribe, [{ tmplIds: ['YOUR_TEMPLATE_ID_1', 'YOUR_TEMPLATE_ID_2'], inTap: true }]);
  assert.match(page.dom.textContent, /已订阅 Accepted 1\/2/);

  // the upload link is a collector too: its tap adds a formId and flushes both
  await ws.tap(page.querySelector('.link'));
  await ws.settleEvents();
  assert.deepEqual([...env.server.stored.keys()], ws.formIds.issued.slice(-2));
  assert.match(page.dom.textContent, /上传 Uploaded 2/);
  assert.match(page.dom.textContent, /formIds waiting: 0/);

  await app.onHide();
  assert.deepEqual(env.server.log.map((r) => r.route), ['login', 'events', 'subscriptions', 'formids']);
  assert.equal(env.wx.calls.login, 1, 'one session serves the page');
});
