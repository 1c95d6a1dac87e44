'use strict';
// A layout pass memoises each element's measured box in a module-level Map keyed by the
// element object itself: every element ever measured (and its box) stays reachable.
const boxes = new Map();

function measure(element) {
  const known = boxes.get(element);
  if (known) return known;
  const box = { width: element.clientWidth, height: element.clientHeight };
  boxes.set(element, box); // expect: cache-without-eviction
  return box;
}

module.exports = { measure };
