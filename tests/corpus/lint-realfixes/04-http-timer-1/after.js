'use strict';
module.exports = function timer(request) {
  const timings = { start: Date.now(), socket: null, lookup: null, connect: null };
  request.once('socket', (socket) => {
    timings.socket = Date.now();
    if (!socket.connecting) {
      timings.lookup = timings.socket;
      timings.connect = timings.socket;
      return;
    }
    const onLookup = () => {
      timings.lookup = Date.now();
    };
    socket.once('lookup', onLookup);
    socket.once('connect', () => {
      socket.removeListener('lookup', onLookup);
      timings.connect = Date.now();
    });
  });
  return timings;
};
