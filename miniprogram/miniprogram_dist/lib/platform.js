'use strict';
// The host's wx-style API object. Inside a WeChat mini program that is the global `wx`; Taro
// (`Taro`) and uni-app (`uni`) hand theirs in through the `wx` option.

function globalWx() {
  /* global wx */
  return typeof wx !== 'undefined' ? wx : null;
}

/**
 * api[name](options) with success/fail callbacks. Taro's wrappers also return a promise that
 * rejects on fail even when a fail callback is given; the callback has handled it, so that
 * promise must not surface as an unhandled rejection.
 */
function callWx(api, name, options) {
  var returned = api[name](options);
  if (returned && typeof returned.then === 'function') returned.then(null, function () {});
  return returned;
}

module.exports = { globalWx: globalWx, callWx: callWx };
