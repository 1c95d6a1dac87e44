// Leak: each iteration subscribes a new listener to a long-lived emitter and never removes it.
const { EventEmitter } = require('node:events');

const configBus = new EventEmitter();
configBus.setMaxListeners(0);

exports.iteration = function handleRequest() {
  const request = { id: Math.random(), headers: { accept: 'application/json' } };
  configBus.on('reload', () => { request.headers.accept = 'text/plain'; });
  return request.id;
};
