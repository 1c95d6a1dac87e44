'use strict';

// undici's Agent: the dispatcher behind fetch(). It keeps one connection pool
// per origin and hands each request to the pool for its origin. The global
// dispatcher lives for the whole process; a crawler or a proxy talks to an
// unbounded number of origins through it.
const { EventEmitter } = require('events');
const Pool = require('./pool');
const Client = require('./client');

const kClients = Symbol('clients');
const kFactory = Symbol('factory');
const kOptions = Symbol('options');
const kOnDrain = Symbol('onDrain');
const kOnConnect = Symbol('onConnect');
const kOnDisconnect = Symbol('onDisconnect');

function defaultFactory(origin, opts) {
  return opts && opts.connections === 1 ? new Client(origin, opts) : new Pool(origin, opts);
}

class Agent extends EventEmitter {
  constructor({ factory = defaultFactory, ...options } = {}) {
    super();
    this[kOptions] = options;
    this[kFactory] = factory;
    // origin -> { dispatcher, count of open connections }
    this[kClients] = new Map();

    this[kOnDrain] = (origin, targets) => this.emit('drain', origin, [this, ...targets]);
    this[kOnConnect] = (origin, targets) => this.emit('connect', origin, [this, ...targets]);
    this[kOnDisconnect] = (origin, targets, err) => this.emit('disconnect', origin, [this, ...targets], err);
  }

  dispatch(opts, handler) {
    if (!opts.origin || (typeof opts.origin !== 'string' && !(opts.origin instanceof URL))) {
      throw new TypeError('opts.origin must be a non-empty string or URL.');
    }
    const key = String(opts.origin);

    const result = this[kClients].get(key);
    let dispatcher = result && result.dispatcher;
    if (!dispatcher) {
      dispatcher = this[kFactory](opts.origin, this[kOptions])
        .on('drain', this[kOnDrain])
        .on('connect', (origin, targets) => {
          const entry = this[kClients].get(key);
          if (entry) entry.count += 1;
          this[kOnConnect](origin, targets);
        })
        .on('disconnect', (origin, targets, err) => {
          // The pool's last connection closed: forget the origin.
          const entry = this[kClients].get(key);
          if (entry) {
            entry.count -= 1;
            if (entry.count <= 0) {
              this[kClients].delete(key);
              entry.dispatcher.close();
            }
          }
          this[kOnDisconnect](origin, targets, err);
        });
      this[kClients].set(key, { count: 0, dispatcher });
    }
    return dispatcher.dispatch(opts, handler);
  }

  async close() {
    const closing = [];
    for (const { dispatcher } of this[kClients].values()) closing.push(dispatcher.close());
    this[kClients].clear();
    await Promise.all(closing);
  }
}

module.exports = Agent;
