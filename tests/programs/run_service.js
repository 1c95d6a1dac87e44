// A small HTTP service for the `heapsight run` tests, shaped by environment variables:
//   PORT, HEAPSIGHT_INSTANCE  given by heapsight run
//   LEAK_KB        keep this many KiB per request (in LeakedRecord objects held by a Map)
//   LEAK_HEAP_KB   ... and this many KiB of JS heap in each LeakedRecord (an array)
//   CRASH_INSTANCE exit(1) at start when HEAPSIGHT_INSTANCE is this number
//   READY_ONCE     a file: the first start creates it and serves; later starts never listen
//   STARTUP_MB     hold this many MiB for STARTUP_HOLD_MS after start (a start-up peak)
//   WORK_MS        busy work per request
// GET /spike?mb=N&ms=T holds N MiB for T ms; every answer says which instance served it.
'use strict';
const http = require('http');
const fs = require('fs');
const v8 = require('v8');
const vm = require('vm');

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');

const instance = process.env.HEAPSIGHT_INSTANCE;
if (process.env.CRASH_INSTANCE !== undefined && process.env.CRASH_INSTANCE === instance) {
  console.error(`instance ${instance}: failing on purpose at start`);
  process.exit(1);
}
const readyOnce = process.env.READY_ONCE;
if (readyOnce) {
  if (fs.existsSync(readyOnce)) {
    console.error('second start: never listening');
    setInterval(() => {}, 1000);
    return;
  }
  fs.writeFileSync(readyOnce, String(process.pid));
}

class LeakedRecord {
  constructor(id, payload) { this.id = id; this.payload = payload; this.at = Date.now(); }
}
const sessionsById = new Map();
const leakBytes = Number(process.env.LEAK_KB || 0) * 1024;
const leakHeapItems = Number(process.env.LEAK_HEAP_KB || 0) * 256;  // 4-byte small integers
const workMs = Number(process.env.WORK_MS || 0);
let served = 0;
let held = [];

if (process.env.STARTUP_MB) {
  held.push(Buffer.alloc(Number(process.env.STARTUP_MB) * 1048576, 1));
  setTimeout(() => { held = []; collect(); }, Number(process.env.STARTUP_HOLD_MS || 3000));
}

const server = http.createServer((req, res) => {
  served += 1;
  if (leakBytes || leakHeapItems) {
    const record = new LeakedRecord(served, Buffer.alloc(leakBytes, 7));
    if (leakHeapItems) record.items = new Array(leakHeapItems).fill(served & 0xff);
    sessionsById.set(served, record);
  }
  if (workMs) { const end = Date.now() + workMs; while (Date.now() < end) { /* busy */ } }
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/spike') {
    let chunk = Buffer.alloc(Number(url.searchParams.get('mb')) * 1048576, 3);
    setTimeout(() => { chunk = null; collect(); }, Number(url.searchParams.get('ms') || 100));
  }
  const body = JSON.stringify({ instance: Number(instance), pid: process.pid, served });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); });
