'use strict';
// The look-alike that does leak: the server is made only the first time, and every later call
// adds one more listener to the same server.
const http = require('http');

module.exports = {
  servers: {},
  watch(app, onError) {
    if (!this.servers.http) this.servers.http = http.createServer(app);
    this.servers.http.on('error', (error) => onError(error)); // expect: listener-not-removed
  },
  handle(app, req) {
    this.watch(app, (error) => req.log(error));
  },
};
