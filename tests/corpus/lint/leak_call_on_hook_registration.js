'use strict';
// The look-alike that does leak: `onMessage(fn)` with the function alone registers it with the
// long-lived broker on every call of subscribe().
const broker = require('./broker');

class Feed {
  subscribe(socket) {
    broker.onMessage((message) => socket.send(message)); // expect: listener-not-removed
  }
}

module.exports = new Feed();
