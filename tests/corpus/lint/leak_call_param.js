'use strict';
// An emitter handed to a per-request helper by its caller: the helper cannot see it, but the
// caller passes the module's bus, which outlives every request (issue 11, mode 3).
const { EventEmitter } = require('events');

const bus = new EventEmitter();

function follow(source, res) {
  source.on('update', (update) => res.write(JSON.stringify(update))); // expect: listener-not-removed, closure-captures-request
}

function handle(req, res) {
  follow(bus, res);
}

module.exports = { handle };
