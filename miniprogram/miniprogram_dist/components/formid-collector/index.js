'use strict';
// <formid-collector bind:tap="onTap"> ...any tappable content... </formid-collector>
//
// Wraps its content in a report-submit form whose submit button is invisible, so an ordinary
// tap submits the form. The formId from the submit event goes to the kit's uploader and the tap
// is re-emitted as a `tap` event whose detail carries { formId }. The native tap is caught
// inside the component so the page sees exactly one `tap` per press.

var registry = require('../../lib/registry');

var warnedNoKit = false;

Component({
  externalClasses: ['custom-class'],
  properties: {
    // a disabled collector neither submits nor emits tap
    disabled: { type: Boolean, value: false }
  },
  methods: {
    onSubmit: function (e) {
      var formId = (e && e.detail && e.detail.formId) || '';
      var kit = registry.getKit();
      var outcome = null;
      if (kit) {
        outcome = kit.uploader.add(formId);
      } else if (!warnedNoKit && typeof console !== 'undefined') {
        warnedNoKit = true;
        console.warn('formid-collector: pushconsole.init() has not been called; formIds are not collected');
      }
      this.triggerEvent('tap', { formId: formId, queued: !!(outcome && outcome.queued) }, {});
    },
    // catches the native tap so it does not reach the page next to the re-emitted one
    swallowTap: function () {}
  }
});
