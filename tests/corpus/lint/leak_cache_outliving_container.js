'use strict';
// Read-through caches kept on objects that outlive the call: a field of the object (or of
// `const me = this`), a property of an object handed in. A delete on another path (an
// invalidation on write, a clear on close) never runs for the keys nobody writes or closes.
const { EventEmitter } = require('events');

const kLinks = Symbol('links');

class Gateway extends EventEmitter {
  constructor(connect) {
    super();
    this.connect = connect;
    this[kLinks] = new Map();
  }

  forward(message) {
    const target = `${message.host}:${message.port}`;
    let link = this[kLinks].get(target);
    if (!link) {
      link = this.connect(message.host, message.port);
      this[kLinks].set(target, link); // expect: cache-without-eviction
    }
    return link.send(message.body);
  }

  shutdown() {
    for (const link of this[kLinks].values()) link.close();
    this[kLinks].clear();
  }
}

function Compiler(backend) {
  this.backend = backend;
  this.plans = {};
}

Compiler.prototype.run = function (text, params, done) {
  const me = this;
  const signature = text.trim().toLowerCase();
  const plan = me.plans[signature];
  if (plan) return plan.execute(params, done);
  me.backend.compile(text, function (err, compiled) {
    if (err) return done(err);
    me.plans[signature] = compiled; // expect: cache-without-eviction
    compiled.execute(params, done);
  });
};

Compiler.prototype.forget = function (text) {
  const signature = text.trim().toLowerCase();
  dropPlan(this.plans, signature);
};

function dropPlan(plans, signature) {
  plans[signature] = null;
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
    this.byAccount.set(accountRef, row); // expect: cache-without-eviction
    return row;
  }

  async rename(profile, name) {
    await this.db.rename(profile.account.ref, name);
    this.byAccount.delete(profile.account.ref);
  }
}

function createLayout(pages) {
  const state = { pages, bundles: {} };
  state.reload = (next) => {
    state.pages = next;
    state.bundles = {};
  };
  return state;
}

function bundleFor(names, state) {
  const signature = [...names].sort().join('+');
  if (state.bundles[signature]) return state.bundles[signature];
  const bundle = names.map((n) => state.pages[n]).filter(Boolean);
  state.bundles[signature] = bundle; // expect: cache-without-eviction
  return bundle;
}

module.exports = { Gateway, Compiler, ProfileStore, createLayout, bundleFor };
