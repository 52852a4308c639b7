'use strict';
// PushConsole mini program kit - entry point.
//
//   const pushconsole = require('./pushconsole/index');
//   App({
//     onLaunch() { this.push = pushconsole.init({ baseUrl: 'https://push.example.com', appId: 'wx...' }); },
//     onShow() { this.push.onShow(); },
//     onHide() { this.push.onHide(); }
//   });

var constants = require('./lib/constants');
var http = require('./lib/http');
var uploaderLib = require('./lib/uploader');
var subscribeLib = require('./lib/subscribe');
var activityLib = require('./lib/activity');
var registry = require('./lib/registry');

/**
 * init(options) creates the uploader (options as for createUploader, plus maxPerCall for the
 * subscribe helper), registers it for the formid-collector component, and returns
 *   { uploader, subscribe(tmplIds), checkin(), track(type), addPrepayId(id, opts), onShow(), onHide() }
 */
function init(options) {
  var previous = registry.getKit();
  if (previous) previous.uploader.destroy();
  var uploader = uploaderLib.createUploader(options);
  var subscriber = subscribeLib.createSubscriber({
    uploader: uploader,
    wx: options && options.wx,
    maxPerCall: options && options.maxPerCall
  });
  var activity = activityLib.createActivity({ uploader: uploader });
  var kit = {
    uploader: uploader,
    subscribe: subscriber.subscribe,
    checkin: activity.checkin,
    track: activity.track,
    addPrepayId: uploader.addPrepayId,
    onShow: uploader.onShow,
    onHide: uploader.onHide
  };
  registry.setKit(kit);
  return kit;
}

// One assignment per export, so ES module importers (bundlers, node's import) see every name.
exports.init = init;
exports.getKit = registry.getKit;
exports.createUploader = uploaderLib.createUploader;
exports.createSubscriber = subscribeLib.createSubscriber;
exports.splitTemplateIds = subscribeLib.splitTemplateIds;
exports.createActivity = activityLib.createActivity;
exports.wxTransport = http.wxTransport;
exports.fetchTransport = http.fetchTransport;
exports.MOCK_FORM_ID = constants.MOCK_FORM_ID;
exports.FORM_ID_TTL_MS = constants.FORM_ID_TTL_MS;
