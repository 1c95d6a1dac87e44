'use strict';
// A broker tracks each session until it ends, but arms the removal only after announcing the
// session: a listener that rejects it at once ends it before the removal is listening.
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
    this.sessions.set(key, session); // expect: field-collection-growth
    this.emit('session', session);
    session.once('end', () => this.sessions.delete(key));
  }
}

module.exports = { Broker };
