'use strict';
const EventEmitter = require('events');

class Mongos extends EventEmitter {
  constructor(seedlist) {
    super();
    this.seedlist = seedlist;
    this.connectedProxies = [];
  }

  connectProxies(servers) {
    for (const server of servers) {
      server.on('serverDescriptionChanged', (event) => this.emit('serverDescriptionChanged', event)); // leak: listener-leak
      server.once('connect', () => this.connectedProxies.push(server));
      server.connect();
    }
  }

  destroyServer(server) {
    this.connectedProxies = this.connectedProxies.filter((s) => s !== server);
    server.destroy();
  }

  reconnect(servers) {
    servers.forEach((server) => this.destroyServer(server));
    this.connectProxies(servers);
  }
}

module.exports = Mongos;
