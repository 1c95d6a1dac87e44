'use strict';
// ES2022 private fields (#x) are fields like any other: a one-time-token guard and a
// per-user index on a module-level singleton, neither ever trimmed.
class ReplayGuard {
  #spent = new Set();
  #lastSeen = new Map();

  accept(nonce, client) {
    if (this.#spent.has(nonce)) return false;
    this.#spent.add(nonce); // expect: field-collection-growth
    this.#lastSeen.set(client.id, { nonce, at: Date.now() }); // expect: field-collection-growth
    return true;
  }
}

module.exports = new ReplayGuard();
