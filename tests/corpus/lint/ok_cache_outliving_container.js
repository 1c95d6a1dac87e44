'use strict';
// Look-alikes: caches on long-lived objects that evict where they fill (a size check, a
// delete in a callback the fill leaves behind, a timer), registries under the caller's own
// names, memos over another table's keys, and tables of per-operation options.
const { EventEmitter } = require('events');

class Gateway extends EventEmitter {
  constructor(connect) {
    super();
    this.connect = connect;
    this.links = new Map();
  }

  forward(message) {
    const target = `${message.host}:${message.port}`;
    let link = this.links.get(target);
    if (!link) {
      link = this.connect(message.host, message.port);
      link.on('idle', () => {
        this.links.delete(target);
        link.close();
      });
      this.links.set(target, link);
    }
    return link.send(message.body);
  }
}

class ProfileStore {
  constructor(db) {
    this.db = db;
    this.byAccount = new Map();
  }

  async profile(accountRef) {
    const hit = this.byAccount.get(accountRef);
    if (hit) return hit;
    const row = await this.db.findProfile(accountRef);
    if (this.byAccount.size > 500) this.byAccount.delete(this.byAccount.keys().next().value);
    this.byAccount.set(accountRef, row);
    return row;
  }
}

class Registry {
  constructor() {
    this.workers = {};
  }

  add(name, worker) {
    if (this.workers[name]) throw new Error(`${name} is already registered`);
    this.workers[name] = worker;
  }

  get(name) {
    return this.workers[name];
  }
}

class Catalog {
  constructor(manifest) {
    this.manifest = manifest;
    this.resolved = {};
    this.sweep = setInterval(() => { this.stale = {}; }, 60_000);
    this.stale = {};
  }

  resolve(id) {
    if (this.resolved[id]) return this.resolved[id];
    const entry = this.manifest[id];
    const out = { id, files: entry ? entry.files : [] };
    this.resolved[id] = out;
    return out;
  }

  async lookup(ref) {
    const label = `${ref.kind}:${ref.id}`;
    if (this.stale[label]) return this.stale[label];
    const found = await fetch(label);
    this.stale[label] = found;
    return found;
  }

  close() {
    clearInterval(this.sweep);
  }
}

class Planner {
  build(query, options) {
    options.aliases = {};
    return this.alias(query.table, options);
  }

  alias(table, options) {
    const label = `${table}_alias`;
    if (options.aliases[label]) return options.aliases[label];
    options.aliases[label] = `t${Object.keys(options).length}`;
    return options.aliases[label];
  }
}

module.exports = { Gateway, ProfileStore, Registry, Catalog, Planner };
