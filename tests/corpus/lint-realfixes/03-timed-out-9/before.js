'use strict';
module.exports = function timedOut(req, time) {
  const delays = isNaN(time) ? time : { socket: time, connect: time };
  let connectTimer;
  if (delays.connect !== undefined) {
    connectTimer = setTimeout(() => {
      req.abort();
      const error = new Error(`Connection timed out on request to ${req.host}`);
      error.code = 'ETIMEDOUT';
      req.emit('error', error);
    }, delays.connect);
  }
  req.on('socket', (socket) => {
    socket.once('connect', () => { // leak: listener-leak
      clearTimeout(connectTimer);
    });
  });
  req.on('response', () => clearTimeout(connectTimer));
  return req;
};
