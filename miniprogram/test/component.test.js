'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { setup, MOCK_FORM_ID } = require('./fake-wx');

const dir = path.join(__dirname, '..', 'miniprogram_dist', 'components', 'formid-collector');

/** Load the component definition with a fake Component() global and make an instance of it. */
function loadComponent() {
  const file = path.join(dir, 'index.js');
  let definition = null;
  global.Component = (def) => { definition = def; };
  try {
    delete require.cache[require.resolve(file)];
    require(file);
  } finally {
    delete global.Component;
  }
  assert.ok(definition, 'index.js registers a Component');
  const events = [];
  const instance = Object.assign({}, definition.methods, {
    data: {},
    triggerEvent: (name, detail, options) => events.push({ name, detail, options })
  });
  return { definition, instance, events };
}

function withKit(t) {
  const env = setup();
  const { init } = require('../miniprogram_dist/index');
  const kit = init({
    baseUrl: 'https://console.test',
    appId: 'wxkit00000000001',
    wx: env.wx,
    now: env.clock.now,
    setTimeout: env.clock.setTimeout,
    clearTimeout: env.clock.clearTimeout,
    flushIntervalMs: 0,
    batchSize: 100
  });
  t.after(() => { kit.uploader.destroy(); require('../miniprogram_dist/lib/registry').setKit(null); });
  return Object.assign(env, { kit });
}

test('submit hands e.detail.formId to the uploader and re-emits the tap with the formId', async (t) => {
  const env = withKit(t);
  const { instance, events } = loadComponent();
  instance.onSubmit({ type: 'submit', detail: { formId: '0d1f3c8e9a5b4c7d8e9f0a1b2c3d4e5f', value: {} } });
  assert.deepEqual(env.kit.uploader.peek().map((i) => i.formId), ['0d1f3c8e9a5b4c7d8e9f0a1b2c3d4e5f']);
  assert.equal(events.length, 1);
  assert.equal(events[0].name, 'tap');
  assert.deepEqual(events[0].detail, { formId: '0d1f3c8e9a5b4c7d8e9f0a1b2c3d4e5f', queued: true });
  await env.kit.uploader.flush();
  assert.deepEqual([...env.server.stored.keys()], ['0d1f3c8e9a5b4c7d8e9f0a1b2c3d4e5f']);
});

test('a DevTools mock formId still re-emits the tap but is not queued', (t) => {
  const env = withKit(t);
  const { instance, events } = loadComponent();
  instance.onSubmit({ detail: { formId: MOCK_FORM_ID } });
  assert.equal(env.kit.uploader.size(), 0);
  assert.deepEqual(events.map((e) => [e.name, e.detail]), [['tap', { formId: MOCK_FORM_ID, queued: false }]]);
});

test('without init() the tap is still re-emitted', (t) => {
  require('../miniprogram_dist/lib/registry').setKit(null);
  const warn = t.mock.method(console, 'warn', () => {});
  const { instance, events } = loadComponent();
  instance.onSubmit({ detail: {} });
  assert.deepEqual(events.map((e) => [e.name, e.detail]), [['tap', { formId: '', queued: false }]]);
  assert.equal(warn.mock.callCount(), 1);
});

test('template: report-submit form, submit button, native tap caught, slot inside the button', () => {
  const { definition } = loadComponent();
  const wxml = fs.readFileSync(path.join(dir, 'index.wxml'), 'utf8');
  assert.match(wxml, /<form[^>]*report-submit="true"/);
  assert.match(wxml, /<form[^>]*bindsubmit="onSubmit"/);
  assert.match(wxml, /<form[^>]*catchtap="swallowTap"/);
  assert.match(wxml, /<button[^>]*form-type="submit"[^>]*>\s*<slot\s*\/?>(<\/slot>)?\s*<\/button>/);
  assert.equal(typeof definition.methods.onSubmit, 'function');
  assert.equal(typeof definition.methods.swallowTap, 'function');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  assert.equal(json.component, true);
});

test('style: the submit button is invisible and takes the full size', () => {
  const wxss = fs.readFileSync(path.join(dir, 'index.wxss'), 'utf8');
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
