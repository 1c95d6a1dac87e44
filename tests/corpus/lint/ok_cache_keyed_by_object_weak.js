'use strict';
// The same memo as a WeakMap: an element that is gone takes its box with it.
const boxes = new WeakMap();

function measure(element) {
  const known = boxes.get(element);
  if (known) return known;
  const box = { width: element.clientWidth, height: element.clientHeight };
  boxes.set(element, box);
  return box;
}

module.exports = { measure };
