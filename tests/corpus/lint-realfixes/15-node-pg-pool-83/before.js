'use strict';
const EventEmitter = require('events');

class Pool extends EventEmitter {
  constructor(options, Client) {
    super();
    this.options = options;
    this.Client = Client;
    this._clients = [];
    this._idle = [];
  }

  connect(cb) {
    const client = new this.Client(this.options);
    this._clients.push(client);
    const pending = { cb, startedAt: Date.now(), request: this.options.currentRequest };
    const idleListener = (err) => { // leak: closure-capture
      err.client = client;
      client.removeListener('error', idleListener);
      this.emit('error', err, client);
    };
    client.connect((err) => {
      if (err) return pending.cb(err);
      client.on('error', idleListener);
      pending.cb(null, client, () => this._idle.push(client));
    });
  }
}

module.exports = Pool;
