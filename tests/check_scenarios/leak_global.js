// Leak: sessions recorded on a global object, one new key per iteration.
globalThis.sessionsSeen = {};
let counter = 0;

exports.iteration = function trackSession() {
  counter += 1;
  globalThis.sessionsSeen['session-' + counter] = { id: counter, seenAt: Date.now() };
};
