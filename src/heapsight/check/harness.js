// heapsight check's harness: loads one scenario (CommonJS or ESM) and runs its iterations when
// heapsight asks, over the inspector (Runtime.evaluate with awaitPromise). Every answer is a
// JSON string: {"ok": true, ...} or {"ok": false, "stage", "error", "where"}.
//
// usage: node --inspect=127.0.0.1:0 harness.js /absolute/path/to/scenario.js
'use strict';
const { pathToFileURL } = require('node:url');

const scenarioPath = process.argv[2];
// The inspector alone does not keep node running: this timer does, until heapsight is done.
const keepAlive = setInterval(() => {}, 1 << 30);
let scenario = null;
let context;  // what setup() returned; handed to every iteration and to teardown

class IterationTimeout extends Error {}

function failure(stage, error, index = null) {
  let text;
  if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else text = `threw a non-Error value: ${String(error)}`;
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  // The first frame in the scenario itself is where the user should look.
  const frame = stack.split('\n').find((line) => line.includes(scenarioPath)
    || line.includes(pathToFileURL(scenarioPath).href));
  const where = frame ? frame.trim().replace(/^at\s+/, '') : null;
  return JSON.stringify({ ok: false, stage, error: text, where, index });
}

function exportsOf(module) {
  const candidates = [module, module.default, module.default && module.default.default];
  return candidates.find((c) => c && typeof c.iteration === 'function') || null;
}

async function load() {
  let module;
  try {
    module = await import(pathToFileURL(scenarioPath).href);
  } catch (error) {
    return failure('load', error);
  }
  scenario = exportsOf(module);
  if (scenario === null) {
    const names = Object.keys(module).filter((k) => k !== 'default');
    const more = module.default && typeof module.default === 'object'
      ? Object.keys(module.default) : [];
    const found = [...new Set([...names, ...more])];
    return JSON.stringify({
      ok: false, stage: 'load', where: null,
      error: 'it does not export an iteration function (exports: '
        + (found.length ? found.join(', ') : 'nothing') + ')',
    });
  }
  if (typeof scenario.setup === 'function') {
    try {
      context = await scenario.setup();
    } catch (error) {
      return failure('setup', error);
    }
  }
  return JSON.stringify({ ok: true });
}

function withTimeout(value, milliseconds) {
  let timer;
  const limit = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new IterationTimeout()), milliseconds);
  });
  return Promise.race([value, limit]).finally(() => clearTimeout(timer));
}

async function run(count, milliseconds) {
  for (let i = 0; i < count; i++) {
    try {
      const value = scenario.iteration(context);
      if (value && typeof value.then === 'function') await withTimeout(value, milliseconds);
    } catch (error) {
      if (error instanceof IterationTimeout) {
        return JSON.stringify({ ok: false, stage: 'timeout', error: 'timeout', where: null });
      }
      return failure('iteration', error, i);
    }
  }
  return '{"ok":true}';
}

async function teardown() {
  clearInterval(keepAlive);
  if (scenario && typeof scenario.teardown === 'function') {
    try {
      await scenario.teardown(context);
    } catch (error) {
      return failure('teardown', error);
    }
  }
  return '{"ok":true}';
}

const loaded = load();
// Not enumerable: a scenario that walks globalThis does not see it.
Object.defineProperty(globalThis, '__heapsightCheck', {
  value: Object.freeze({ loaded: () => loaded, run, teardown }),
  enumerable: false,
});
