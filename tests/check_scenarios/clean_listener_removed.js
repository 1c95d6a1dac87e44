// Correct: the listener added for a request is removed when the request is done.
const { EventEmitter } = require('node:events');

const configBus = new EventEmitter();

exports.iteration = function handleRequest() {
  const request = { id: Math.random(), headers: { accept: 'application/json' } };
  const onReload = () => { request.headers.accept = 'text/plain'; };
  configBus.on('reload', onReload);
  configBus.emit('reload');
  configBus.off('reload', onReload);
  return request.headers.accept;
};
