'use strict';
// formid-collector rendered and tapped with WeChat's component test tools (miniprogram-simulate,
// j-component, the wxml compiled by WeChat's wcc), inside a page-like host that binds its tap.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { setup } = require('./fake-wx');
const ws = require('./wechat-simulate');
const pushconsole = require('../miniprogram_dist/index');
const registry = require('../miniprogram_dist/lib/registry');

const collectorId = ws.loadComponent(ws.COLLECTOR, 'formid-collector', ws.COLLECTOR_ROOT);

/** A page-like host: <formid-collector bind:tap> around a card, counting what reaches the page. */
function hostPage(env, { disabled = false } = {}) {
  const taps = [];
  const id = ws.simulate.load({
    template: `<formid-collector class="buy-wrap" custom-class="buy" bind:tap="onBuy" disabled="{{disabled}}">
                 <view class="card">Buy</view>
               </formid-collector>`,
    usingComponents: { 'formid-collector': collectorId },
    data: { disabled },
    methods: { onBuy(e) { taps.push(e.detail); } }
  });
  return { page: ws.render(id, {}, env.wx), taps };
}

/** The kit as app.js starts it, over the fake wx; simulate's wx gives the AppID. */
function startKit(t, options = {}) {
  const env = setup({ appId: global.wx.getAccountInfoSync().miniProgram.appId });
  t.after(ws.useFakeWx(env.wx));
  const kit = pushconsole.init(Object.assign({
    baseUrl: 'https://push.example.com',
    now: env.clock.now, setTimeout: env.clock.setTimeout, clearTimeout: env.clock.clearTimeout,
    flushIntervalMs: 0, batchSize: 100
  }, options));
  t.after(() => { kit.uploader.destroy(); registry.setKit(null); });
  return Object.assign(env, { kit });
}

test('renders the content as the body of an invisible submit button in a report-submit form', (t) => {
  const env = startKit(t);
  const { page } = hostPage(env);
  const form = page.querySelector('.buy-wrap').querySelector('.fc-form');
  const button = page.querySelector('.buy-wrap').querySelector('.fc-button');
  assert.equal(form.data.reportSubmit, true);
  assert.equal(button.data.formType, 'submit');
  assert.equal(button.data.disabled, false);
  assert.ok(button.dom.contains(page.querySelector('.card').dom), 'the slot content sits inside the button');
  assert.ok(form.dom.classList.contains('buy'), 'custom-class reaches the form');
});

test('a tap inside the form submits it: the page gets one tap carrying the formId, and the uploader has it', async (t) => {
  const env = startKit(t);
  const { page, taps } = hostPage(env);
  await ws.tap(page.querySelector('.card'));
  const formId = ws.formIds.issued.at(-1);
  assert.match(formId, /^[0-9a-f]{32}$/);
  assert.deepEqual(taps, [{ formId, queued: true }], 'exactly one tap: the native one is caught inside the component');
  assert.deepEqual(env.kit.uploader.peek().map((i) => [i.formId, i.kind]), [[formId, 'form']]);
});

test('the uploader batches the taps: batchSize taps make one upload with all their formIds', async (t) => {
  const env = startKit(t, { batchSize: 3 });
  const { page, taps } = hostPage(env);
  const before = ws.formIds.issued.length;
  for (let i = 0; i < 3; i++) await ws.tap(page.querySelector('.card'));
  await env.clock.advance(0);
  const issued = ws.formIds.issued.slice(before);
  assert.equal(taps.length, 3);
  assert.deepEqual(env.server.requests('formids').map((r) => r.body.formIds.map((f) => f.formId)), [issued]);
  assert.deepEqual([...env.server.stored.keys()], issued);
  assert.equal(env.kit.uploader.size(), 0);
});

test('a DevTools mock formId still reaches the page as a tap but is never queued or sent', async (t) => {
  const env = startKit(t);
  const { page, taps } = hostPage(env);
  ws.formIdMode('devtools');
  t.after(() => ws.formIdMode('device'));
  await ws.tap(page.querySelector('.card'));
  await env.kit.uploader.flush();
  assert.deepEqual(taps, [{ formId: ws.MOCK_FORM_ID, queued: false }]);
  assert.equal(env.server.requests('formids').length, 0);
});

test('a disabled collector neither submits nor emits tap', async (t) => {
  const env = startKit(t);
  const { page, taps } = hostPage(env, { disabled: true });
  const before = ws.formIds.issued.length;
  await ws.tap(page.querySelector('.card'));
  assert.deepEqual(taps, []);
  assert.equal(ws.formIds.issued.length, before, 'no submit');
  assert.equal(env.kit.uploader.size(), 0);
});

test('without init() the tap still reaches the page, with a one-time warning', async (t) => {
  registry.setKit(null);
  const warn = t.mock.method(console, 'warn', () => {});
  const { page, taps } = hostPage({ wx: null });
  await ws.tap(page.querySelector('.card'));
  await ws.tap(page.querySelector('.card'));
  assert.deepEqual(taps.map((d) => d.queued), [false, false]);
  assert.equal(taps[0].formId, ws.formIds.issued.at(-2));
  assert.equal(warn.mock.callCount(), 1);
});

test('style: the submit button is invisible and takes the full size', () => {
  const wxss = fs.readFileSync(ws.COLLECTOR + '.wxss', 'utf8');
  const rule = (selector) => {
    const m = new RegExp(selector.replace(/[.:]/g, '\\$&') + '\\s*\\{([^}]*)\\}').exec(wxss);
    assert.ok(m, `rule ${selector} exists`);
    return Object.fromEntries(m[1].split(';').map((d) => d.split(':').map((s) => s.trim())).filter((d) => d[0]));
  };
  const button = rule('.fc-button');
  assert.equal(button.border, 'none');
  assert.equal(button.background, 'none');
  assert.equal(button.padding, '0');
  assert.equal(button.margin, '0');
  assert.equal(button['line-height'], 'inherit');
  assert.equal(button.width, '100%');
  assert.equal(button.height, '100%');
  assert.equal(rule('.fc-button::after').border, 'none');
});
