global.config = { port: 3000 };
globalThis.registry = [];
globalThis.registry.push('core');

function track(req) {
  globalThis.lastRequest = req.url;
  globalThis.counters = globalThis.counters || { hits: 0 };
  globalThis.counters.hits += 1;
}

function recordError(err) {
  globalThis.errors = globalThis.errors || [];
  globalThis.errors.push(err.message);
  if (globalThis.errors.length > 100) globalThis.errors.shift();
}

module.exports = { track, recordError };
