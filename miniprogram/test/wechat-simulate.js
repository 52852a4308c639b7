'use strict';
// WeChat's component test tools for node's test runner: miniprogram-simulate (which drives
// j-component and compiles wxml with WeChat's wcc) on a jsdom DOM, as its docs set it up under jest.
//
// Two gaps of those tools are filled here, each with the behaviour WeChat documents:
// - j-component renders the built-in components (view, form, button, ...) as empty <slot/>
//   wrappers. `form` and `button` get back their documented contract: tapping a
//   `<button form-type="submit">` that is not disabled makes the enclosing `<form>` fire `submit`
//   with `detail.value` and, with `report-submit`, `detail.formId` (a 32-hex id as on a device, or
//   DevTools' mock id). Everything else (rendering, slots, event bubbling, catch/bind, custom
//   events, external classes) is j-component's own.
// - miniprogram-simulate's `wx` answers storage, login and request with fixed stubs (nothing is
//   stored, a constant code, an empty 200) and requestSubscribeMessage without the user's choice.
//   useFakeWx() puts the fake wx (fake-wx.js: storage, login, request against the fake console, the
//   subscribe popup that opens only during a tap) over exactly those functions and keeps
//   simulate's `wx` for everything else (getAccountInfoSync, ...). A tap dispatched by
//   j-component counts as the user's tap gesture for the fake popup.

const path = require('node:path');
const { JSDOM } = require('jsdom');

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'https://servicewechat.com/',
  pretendToBeVisual: true
});
// j-component builds jsdom events and nodes through these globals (jest's jsdom environment sets them)
global.window = dom.window;
global.document = dom.window.document;
for (const name of ['Event', 'CustomEvent', 'TouchEvent', 'getComputedStyle', 'requestAnimationFrame']) {
  global[name] = dom.window[name];
}

const simulate = require('miniprogram-simulate');
const jComponent = require('j-component');
const exparser = require('miniprogram-exparser');

const MOCK_FORM_ID = 'the formId is a mock one';
const formIds = { issued: [], mode: 'device', seq: 0 };

/** What the next report-submit form submit yields: 'device' (32-hex ids) or 'devtools' (the mock id). */
function formIdMode(mode) { formIds.mode = mode; }

function nextFormId() {
  const id = formIds.mode === 'devtools' ? MOCK_FORM_ID : (++formIds.seq).toString(16).padStart(32, 'f0');
  formIds.issued.push(id);
  return id;
}

// <button form-type="submit"> asks its form to submit; the request bubbles (composed) to the form.
jComponent.register({
  id: 'button',
  tagName: 'wx-button',
  template: '<slot/>',
  properties: {
    formType: { type: String, value: '' },
    disabled: { type: Boolean, value: false },
    type: { type: String, value: 'default' },
    hoverClass: { type: String, value: 'button-hover' }
  },
  lifetimes: {
    attached() {
      // a tap on the button itself or on anything inside it
      this._exparserNode.addListener('tap', () => {
        if (this.data.disabled) return;
        if (this.data.formType === 'submit') this.triggerEvent('wxbuttonsubmit', {}, { bubbles: true, composed: true });
      });
    }
  }
});

// <form report-submit bindsubmit> fires submit with { value, formId? } for its submit buttons.
jComponent.register({
  id: 'form',
  tagName: 'wx-form',
  template: '<view class="wx-form-body" catch:wxbuttonsubmit="onButtonSubmit"><slot/></view>',
  properties: {
    reportSubmit: { type: Boolean, value: false }
  },
  methods: {
    onButtonSubmit() {
      const detail = { value: {} };
      if (this.data.reportSubmit) detail.formId = nextFormId();
      this.triggerEvent('submit', detail);
    }
  }
});

/**
 * Put the fake wx's storage, login, request and requestSubscribeMessage over miniprogram-simulate's
 * global wx; a tap dispatched inside `root` (once render()ed) opens the fake popup. Returns undo.
 */
function useFakeWx(fakeWx) {
  const own = ['getStorageSync', 'setStorageSync', 'removeStorageSync', 'login', 'request', 'requestSubscribeMessage'];
  const saved = {};
  for (const name of own) {
    saved[name] = global.wx[name];
    global.wx[name] = fakeWx[name];
  }
  return () => { for (const name of own) global.wx[name] = saved[name]; };
}

/** Render a loaded component id attached to a page-like parent, with taps inside it as user gestures for fakeWx. */
function render(id, properties, fakeWx) {
  const comp = simulate.render(id, properties);
  comp.attach(document.createElement('parent-wrapper'));
  if (fakeWx) {
    // capture on the root: runs before any handler of the tap, and the gesture ends once the
    // (synchronous) dispatch has finished
    comp.addEventListener('tap', () => {
      fakeWx.beginTap();
      Promise.resolve().then(() => fakeWx.endTap());
    }, true);
  }
  return comp;
}

/** A user's tap on a node: touchstart + touchend, which j-component turns into a tap. */
async function tap(node) {
  node.dispatchEvent('touchstart');
  node.dispatchEvent('touchend');
  await settleEvents();
}

/** Let j-component's queued event dispatches (microtasks) and the handlers' promises run. */
async function settleEvents() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Load a component from its path (wxml compiled by WeChat's wcc), with rootPath its project root. */
function loadComponent(componentPath, tagName, rootPath, usingComponents) {
  return simulate.load(componentPath, tagName, { rootPath, usingComponents });
}

/**
 * Load a page as a component, as base library 2.x can build pages with Component(): data stays
 * data, everything else (lifecycle hooks, handlers) becomes a method.
 */
function loadPage(pagePath, rootPath, usingComponents) {
  const previous = global.Page;
  global.Page = (def) => {
    const methods = {};
    for (const key of Object.keys(def)) if (key !== 'data') methods[key] = def[key];
    global.Component({ data: def.data || {}, methods });
  };
  try {
    return simulate.load(pagePath, 'page', { rootPath, usingComponents });
  } finally {
    if (previous === undefined) delete global.Page;
    else global.Page = previous;
  }
}

/** Every formid-collector test renders the kit's component the same way. */
const COLLECTOR_ROOT = path.join(__dirname, '..', 'miniprogram_dist');
const COLLECTOR = path.join(COLLECTOR_ROOT, 'components', 'formid-collector', 'index');

module.exports = {
  simulate, exparser, MOCK_FORM_ID, formIds, formIdMode,
  useFakeWx, render, tap, settleEvents, loadComponent, loadPage, COLLECTOR, COLLECTOR_ROOT
};

// ------------------------------------------------------------------ self-checks of the stand-ins
if (require.main === module) {
  const test = require('node:test');
  const assert = require('node:assert/strict');

  function host(template) {
    const submits = [];
    const id = simulate.load({
      template,
      methods: { onSubmit(e) { submits.push(e.detail); } }
    });
    return { comp: render(id), submits };
  }

  test('a submit button inside a report-submit form makes the form fire submit with a formId', async () => {
    const { comp, submits } = host('<form report-submit="true" bindsubmit="onSubmit"><button form-type="submit"><view class="in">go</view></button></form>');
    await tap(comp.querySelector('.in'));
    assert.equal(submits.length, 1);
    assert.deepEqual(submits[0].value, {});
    assert.match(submits[0].formId, /^[0-9a-f]{32}$/);
  });

  test('without report-submit there is no formId; a plain or disabled button does not submit', async () => {
    const { comp, submits } = host(`
      <form bindsubmit="onSubmit"><button class="a" form-type="submit">a</button></form>
      <form report-submit="true" bindsubmit="onSubmit"><button class="b">b</button><button class="c" form-type="submit" disabled="{{true}}">c</button></form>`);
    await tap(comp.querySelector('.a'));
    await tap(comp.querySelector('.b'));
    await tap(comp.querySelector('.c'));
    assert.deepEqual(submits, [{ value: {} }]);
  });

  test('in DevTools mode the form yields the mock formId', async () => {
    formIdMode('devtools');
    try {
      const { comp, submits } = host('<form report-submit="true" bindsubmit="onSubmit"><button form-type="submit" class="x">x</button></form>');
      await tap(comp.querySelector('.x'));
      assert.equal(submits[0].formId, MOCK_FORM_ID);
    } finally {
      formIdMode('device');
    }
  });
}
