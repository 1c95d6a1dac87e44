'use strict';
const EventEmitter = require('events');

class Connection extends EventEmitter {
  constructor(base) {
    super();
    this.base = base;
    this.models = {};
    this.readyState = 0;
  }

  close() {
    this.readyState = 0;
    this.emit('close');
    return Promise.resolve();
  }
}

class Mongoose {
  constructor() {
    this.connections = [];
  }

  createConnection(uri, options) {
    const conn = new Connection(this);
    this.connections.push(conn); // leak: unbounded-collection
    if (uri) conn.openUri = { uri, options };
    return conn;
  }
}

module.exports = new Mongoose();
