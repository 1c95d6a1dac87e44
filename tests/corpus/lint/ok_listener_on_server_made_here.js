'use strict';
// A restartable server: each start makes a new http.Server and listens to it; the listeners go
// with the server that restartServer() closes (read from session 11's reviews of wiki.js).
const http = require('http');

module.exports = {
  servers: {},
  async startHTTP(app, port) {
    this.servers.http = http.createServer(app);
    this.servers.http.listen(port);
    this.servers.http.on('error', (error) => {
      throw error;
    });
    this.servers.http.on('listening', () => console.log('listening'));
  },
  async restartServer(app, port) {
    await new Promise((resolve) => this.servers.http.close(resolve));
    await this.startHTTP(app, port);
  },
};
