'use strict';
const EventEmitter = require('events');
const http = require('http');

function requestAsEventEmitter(opts) {
  const ee = new EventEmitter();
  const req = http.request(opts, (res) => ee.emit('response', res));
  req.on('socket', (socket) => {
    const onConnect = () => {
      ee.emit('uploadProgress', { percent: 0, transferred: 0 });
    };
    socket.once('connect', onConnect);
    req.once('response', () => socket.removeListener('connect', onConnect));
  });
  req.end(opts.body);
  return ee;
}

module.exports = requestAsEventEmitter;
