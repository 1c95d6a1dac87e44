'use strict';
const EventEmitter = require('events');
const http = require('http');

function requestAsEventEmitter(opts) {
  const ee = new EventEmitter();
  const req = http.request(opts, (res) => ee.emit('response', res));
  req.on('socket', (socket) => {
    socket.on('connect', () => { // leak: listener-leak
      ee.emit('uploadProgress', { percent: 0, transferred: 0 });
    });
  });
  req.end(opts.body);
  return ee;
}

module.exports = requestAsEventEmitter;
