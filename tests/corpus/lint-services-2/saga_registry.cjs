'use strict';

// Process-wide registry of running checkout sagas (shared by checkout_saga.cjs and the
// admin routes). Kept on globalThis so that hot-reloaded modules see the same instance.
const { EventEmitter } = require('node:events');

class SagaRegistry extends EventEmitter {
  constructor() {
    super();
    this.active = new Map();
    this.compensations = new Map();
    this.completed = 0;
    this.failed = 0;
  }

  begin(id, state) {
    this.active.set(id, { state, startedAt: Date.now(), steps: [] });
    this.emit('begin', id);
  }

  step(id, name) {
    const saga = this.active.get(id);
    if (saga) saga.steps.push({ name, at: Date.now() }); // ok: unbounded-collection
  }

  onCompensate(id, fn) {
    const list = this.compensations.get(id) || [];
    list.push(fn);
    this.compensations.set(id, list);
  }

  async compensate(id) {
    const list = this.compensations.get(id) || [];
    for (const fn of list.reverse()) {
      try {
        await fn();
      } catch (err) {
        recordFailure(id, err);
      }
    }
    this.failed += 1;
  }

  end(id) {
    this.active.delete(id);
    this.compensations.delete(id);
    this.completed += 1;
    this.emit('end', id);
  }

  snapshot() {
    return {
      active: [...this.active.entries()].map(([id, s]) => ({ id, steps: s.steps.map((x) => x.name), ageMs: Date.now() - s.startedAt })),
      completed: this.completed,
      failed: this.failed,
    };
  }
}

function recordFailure(id, err) {
  globalThis.__sagaFailures = globalThis.__sagaFailures || [];
  globalThis.__sagaFailures.push({ id, message: err.message, stack: err.stack, at: new Date() }); // leak: global-growth
}

if (!globalThis.__sagaRegistry) {
  globalThis.__sagaRegistry = new SagaRegistry(); // ok: global-growth
  globalThis.__sagaRegistry.setMaxListeners(50);
}

module.exports = globalThis.__sagaRegistry;
module.exports.recordFailure = recordFailure;
