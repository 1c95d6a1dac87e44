'use strict';
// A shared object's registration method, called per request: the method only stores what
// it is given, so the leak is in the per-call code that calls it.
const http = require('http');

class Interceptors {
  constructor() {
    this.chain = [];
  }

  append(step) {
    this.chain.push(step);
  }

  apply(payload) {
    return this.chain.reduce((value, step) => step(value), payload);
  }
}

const outgoing = new Interceptors();

const server = http.createServer((req, res) => {
  const started = Date.now();
  outgoing.append((body) => ({ ...body, tookMs: Date.now() - started })); // expect: field-collection-growth
  res.end(JSON.stringify(outgoing.apply({ ok: true })));
});

module.exports = { server };
