// Look-alikes in a sloppy-mode script: declared names, resets, and fixed global keys.
var counters = {};

function resetWindow() {
  windowStart = Date.now();
  counters = {};
  return windowStart;
}

function firstLarge(items, size) {
  var candidate;
  for (var i = 0; i < items.length; i++) {
    candidate = items[i];
    if (candidate.size > size) return candidate;
  }
  return null;
}

function scan(node) {
  function visit(child) {
    node = child;
  }
  visit(node.next);
  return node;
}

global.hostname = require('os').hostname();

module.exports = { resetWindow, firstLarge, scan };
