// Leak: the classic closure capture. `unused` and `someMethod` share one context, which holds
// the previous thing, so every thing ever made stays reachable from the last one.
let theThing = null;

exports.iteration = function replaceThing() {
  const originalThing = theThing;
  const unused = function () {
    if (originalThing) return 'hi';
    return 'none';
  };
  theThing = {
    longStr: 'payload-' + Math.random(),
    someMethod: function () { return 'method'; },
  };
  return typeof unused;
};
