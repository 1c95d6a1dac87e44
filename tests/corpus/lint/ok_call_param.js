'use strict';
// Look-alike of leak_call_param.js: the helper gets an emitter made for this request.
const { EventEmitter } = require('events');

function follow(source, res) {
  source.on('update', (update) => res.write(JSON.stringify(update)));
}

function handle(req, res) {
  const updates = new EventEmitter();
  follow(updates, res);
  updates.emit('update', { at: Date.now() });
}

module.exports = { handle };
