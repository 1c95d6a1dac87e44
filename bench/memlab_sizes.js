#!/usr/bin/env node
// Loads a heap snapshot with MemLab (dominators and retained sizes as MemLab computes them) and
// writes, as JSON, the nodes asked for by id plus MemLab's own top nodes by retained size.
// A benchmark helper only: it needs memlab installed in bench/work/ (run.py does that).
//
//   node --max-old-space-size=16000 bench/memlab_sizes.js SNAPSHOT --out FILE [--ids 1,2] [--top 20]
//        [--all-out FILE]
//
// --all-out writes every node as three little-endian float64s, (id, retained size, dominator
// id), in MemLab's node order, for a whole-graph comparison.
'use strict';

const fs = require('fs');
const path = require('path');

const work = path.join(__dirname, 'work', 'node_modules');
const { getFullHeapFromFile } = require(path.join(work, '@memlab', 'heap-analysis'));

function parseArgs(argv) {
  const args = { snapshot: null, out: null, ids: [], top: 20, allOut: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--out') args.out = argv[++i];
    else if (flag === '--ids') args.ids = argv[++i].split(',').filter(Boolean).map(Number);
    else if (flag === '--top') args.top = Number(argv[++i]);
    else if (flag === '--all-out') args.allOut = argv[++i];
    else if (!args.snapshot) args.snapshot = flag;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!args.snapshot || !args.out) throw new Error('need SNAPSHOT and --out FILE');
  return args;
}

function record(node) {
  return {
    id: node.id,
    name: node.name,
    type: node.type,
    self_size: node.self_size,
    retained_size: node.retainedSize,
    dominator: node.dominatorNode ? node.dominatorNode.id : null,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const heap = await getFullHeapFromFile(path.resolve(args.snapshot));
  const requested = {};
  for (const id of args.ids) {
    const node = heap.getNodeById(id);
    requested[id] = node ? record(node) : null;
  }
  // MemLab's own ranking: every node but the synthetic roots (ids 1-3 in V8 snapshots).
  const top = [];
  heap.nodes.forEach((node) => {
    if (node.id <= 3) return;
    const size = node.retainedSize;
    if (top.length === args.top && size <= top[top.length - 1].retainedSize) return;
    let i = top.length;
    while (i > 0 && top[i - 1].retainedSize < size) i--;
    top.splice(i, 0, node);
    if (top.length > args.top) top.pop();
  });
  const result = {
    nodes: heap.nodes.length,
    requested,
    top: top.map(record),
  };
  fs.writeFileSync(args.out, JSON.stringify(result, null, 1));
  if (args.allOut) {
    const rows = new Float64Array(heap.nodes.length * 3);
    let at = 0;
    heap.nodes.forEach((node) => {
      rows[at++] = node.id;
      rows[at++] = node.retainedSize;
      rows[at++] = node.dominatorNode ? node.dominatorNode.id : -1;
    });
    fs.writeFileSync(args.allOut, Buffer.from(rows.buffer, 0, at * 8));
  }
}

main().catch((error) => {
  process.stderr.write(`memlab_sizes.js: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
