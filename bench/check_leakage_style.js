// The old way, for comparison with `heapsight check` (bench/check_bench.py): a heap-over-GC
// loop in the style of the `leakage` package, which no longer builds. Run the scenario's
// iteration ITERATIONS times between each of GCOLLECTIONS forced GCs, record heapUsed after
// each GC, and call it a leak when more than 2/3 of the consecutive heap differences are
// growths above SENSITIVITY bytes (leakage's published rule).
//
// usage: node --expose-gc check_leakage_style.js SCENARIO [ITERATIONS] [GCOLLECTIONS]
// prints one JSON line: {"verdict": "leak" | "pass", "growths", "diffs", "bytes_per_iteration"}
'use strict';
const { pathToFileURL } = require('node:url');
const path = require('node:path');

const SENSITIVITY = 1024;

async function main() {
  const [file, iterationsText = '30', collectionsText = '60'] = process.argv.slice(2);
  const iterations = Number(iterationsText);
  const collections = Number(collectionsText);
  const module = await import(pathToFileURL(path.resolve(file)).href);
  const scenario = [module, module.default].find((m) => m && typeof m.iteration === 'function');
  const context = scenario.setup ? await scenario.setup() : undefined;
  const heaps = [];
  for (let round = 0; round < collections; round++) {
    for (let i = 0; i < iterations; i++) await scenario.iteration(context);
    global.gc();
    heaps.push(process.memoryUsage().heapUsed);
  }
  const diffs = heaps.slice(1).map((value, i) => value - heaps[i]);
  // leakage counts the longest run of consecutive growths above the sensitivity.
  let longest = 0;
  let run = 0;
  for (const diff of diffs) {
    run = diff > SENSITIVITY ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const leak = longest > Math.floor(diffs.length * 2 / 3);
  const perIteration = (heaps[heaps.length - 1] - heaps[0]) / (iterations * (collections - 1));
  if (scenario.teardown) await scenario.teardown(context);
  process.stdout.write(JSON.stringify({ verdict: leak ? 'leak' : 'pass', growths: longest,
    diffs: diffs.length, bytes_per_iteration: perIteration }) + '\n');
  process.exit(0);
}

main().catch((error) => { console.error(error); process.exit(1); });
