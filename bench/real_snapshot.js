// A heap snapshot of a real program, for the benchmarks beside make_snapshot.js's synthetic ones:
// Babel's parser (from MemLab's own dependencies, which bench/run.py installs) holding the ASTs
// of the JavaScript in a folder of packages, until the heap holds about --heap-mb MiB.
//
//   node bench/real_snapshot.js [--heap-mb 200] [--from bench/work/node_modules] OUT.heapsnapshot
'use strict';
const fs = require('fs');
const path = require('path');
const v8 = require('v8');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args.splice(at, 2)[1];
};
const heapMiB = Number(option('--heap-mb', '200'));
const from = path.resolve(option('--from', path.join(__dirname, 'work', 'node_modules')));
const out = args[0];
if (!out || !(heapMiB > 0)) {
  console.error('usage: node bench/real_snapshot.js [--heap-mb N] [--from DIR] OUT.heapsnapshot');
  process.exit(2);
}
const parser = require(require.resolve('@babel/parser', { paths: [from] }));

function* scripts(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* scripts(full);
    else if (entry.isFile() && /\.(c|m)?js$/.test(entry.name) && !entry.name.endsWith('.min.js')) yield full;
  }
}

const kept = new Map();  // file -> AST: what the program holds
let parsed = 0;
for (const file of scripts(from)) {
  if (process.memoryUsage().heapUsed >= heapMiB * 2 ** 20) break;
  try {
    kept.set(file, parser.parse(fs.readFileSync(file, 'utf8'),
      { sourceType: 'unambiguous', errorRecovery: true, plugins: ['jsx'] }));
    parsed += 1;
  } catch {
    // a file Babel cannot parse is passed over
  }
}
globalThis.keptAsts = kept;
console.error(`parsed ${parsed} files, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
console.error(`wrote ${v8.writeHeapSnapshot(out)}`);
