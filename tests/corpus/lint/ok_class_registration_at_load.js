'use strict';
// Look-alike: a shared object's registration method called once, at load; requests only
// run the chain.
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
outgoing.append((body) => ({ ...body, version: 2 }));

const server = http.createServer((req, res) => {
  res.end(JSON.stringify(outgoing.apply({ ok: true })));
});

module.exports = { server };
