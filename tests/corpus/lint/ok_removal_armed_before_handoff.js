'use strict';
// Look-alike: the removal listens before anyone else sees the session.
const { EventEmitter } = require('events');
const { randomUUID } = require('crypto');

class Broker extends EventEmitter {
  constructor() {
    super();
    this.sessions = new Map();
  }

  accept(stream) {
    const session = new EventEmitter();
    session.stream = stream;
    const key = randomUUID();
    this.sessions.set(key, session);
    session.once('end', () => this.sessions.delete(key));
    this.emit('session', session);
  }
}

module.exports = { Broker };
