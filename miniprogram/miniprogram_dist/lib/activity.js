'use strict';
// Activity events (POST /api/miniprogram/{appId}/events) through the uploader's session.

/**
 * createActivity({ uploader }) -> { checkin(), track(type) }
 * Both resolve { status, data } on 2xx and reject with an Error (.status/.data) otherwise;
 * network failures, 5xx and 429 are retried by uploader.request.
 */
function createActivity(options) {
  var uploader = options && options.uploader;
  if (!uploader || typeof uploader.request !== 'function') {
    throw new TypeError('pushconsole: createActivity needs the uploader (it owns the console session)');
  }

  function track(type) {
    if (typeof type !== 'string' || type.trim() === '') {
      return Promise.reject(new TypeError('pushconsole: track(type) needs a non-empty event type string'));
    }
    return uploader.request('/events', { type: type });
  }

  function checkin() {
    return track('checkin');
  }

  return { checkin: checkin, track: track };
}

module.exports = { createActivity: createActivity };
