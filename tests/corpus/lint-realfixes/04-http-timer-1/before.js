'use strict';
module.exports = function timer(request) {
  const timings = { start: Date.now(), socket: null, lookup: null, connect: null };
  request.once('socket', (socket) => {
    timings.socket = Date.now();
    socket.once('lookup', () => { // leak: listener-leak
      timings.lookup = Date.now();
    });
    socket.once('connect', () => {
      timings.connect = Date.now();
    });
  });
  return timings;
};
