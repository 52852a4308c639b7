'use strict';
// Holds the kit instance created by init() so components (formid-collector) can reach it
// without the page passing objects through properties (which wxml cannot carry).

var current = null;

function setKit(kit) { current = kit || null; }
function getKit() { return current; }

module.exports = { setKit: setKit, getKit: getKit };
