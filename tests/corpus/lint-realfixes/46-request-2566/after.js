'use strict';
const http = require('http');
const stream = require('stream');
const util = require('util');

const now = () => Date.now();

function Request(options) {
  stream.Stream.call(this);
  this.uri = options.uri;
  this.agent = options.agent; // a keep-alive agent reuses sockets between requests
  this.timing = options.time;
  this.timings = {};
}
util.inherits(Request, stream.Stream);

Request.prototype.start = function () {
  const self = this;
  self.startTimeNow = now();
  self.req = http.request({ host: self.uri.hostname, path: self.uri.path, agent: self.agent });

  self.req.on('socket', function (socket) {
    const isConnecting = socket._connecting || socket.connecting;
    if (self.timing) {
      self.timings.socket = now() - self.startTimeNow;
      if (isConnecting) {
        const onLookupTiming = function () {
          self.timings.lookup = now() - self.startTimeNow;
        };
        const onConnectTiming = function () {
          self.timings.connect = now() - self.startTimeNow;
        };
        socket.once('lookup', onLookupTiming);
        socket.once('connect', onConnectTiming);
        self.req.once('error', function () {
          socket.removeListener('lookup', onLookupTiming);
          socket.removeListener('connect', onConnectTiming);
        });
      }
    }
  });
  self.req.on('response', (res) => self.emit('response', res));
  self.req.end();
};

module.exports = Request;
