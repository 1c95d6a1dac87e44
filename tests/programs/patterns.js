// Every classic Node.js leak pattern, and a correct look-alike of each, driven by a fake
// request loop. Writes baseline/target/final heap snapshots into the folder given as argv[2].
// Set LEAKS=none to run only the correct code (the "no leak" control), ONLY=<function> for
// one leak.
'use strict';
const v8 = require('v8');
const path = require('path');
const { EventEmitter } = require('events');

const out = process.argv[2];
const leaks = process.env.LEAKS !== 'none';
const PER_PHASE = Number(process.env.PER_PHASE || 600);

// ---- leaks -------------------------------------------------------------------------------
class RequestEntry {
  constructor(id) { this.id = id; this.url = '/orders/' + id; this.headers = { 'x-id': String(id) }; this.at = Date.now(); }
}
const requestLog = [];                                   // unbounded-collection

const configBus = new EventEmitter();                    // listener-leak
configBus.setMaxListeners(0);

class Poller {                                           // timer-leak: interval never cleared
  constructor(id) { this.id = id; this.samples = new Array(20).fill(id); this.timer = setInterval(() => this.samples.push(1), 3600e3); }
}
const pollers = new WeakSet();

class CachedReport { constructor(key) { this.key = key; this.rows = new Array(30).fill(key); } }
const reportCache = new Map();                           // unbounded-cache
function getReport(key) {
  if (!reportCache.has(key)) reportCache.set(key, new CachedReport(key));
  return reportCache.get(key);
}

class Connection { constructor(n) { this.n = n; this.buffer = Buffer.alloc(256); } }
class ConnectionPool {                                   // resource-per-request
  constructor() { this.connections = [new Connection(1), new Connection(2)]; this.idleCheck = setInterval(() => this.reap(), 3600e3); }
  reap() { return this.connections.length; }
}

globalThis.sessionsSeen = {};                            // global-growth
class SessionRecord { constructor(id) { this.id = id; this.seen = Date.now(); this.tags = ['a', 'b']; } }

const uploads = [];                                      // native-memory
class LargeRequest { constructor(id) { this.id = id; this.body = 'b'.repeat(2000) + id; } }

const lateBus = new EventEmitter();                      // listener-leak whose list starts late
lateBus.setMaxListeners(0);
class LateRequest { constructor(id) { this.id = id; this.body = 'l'.repeat(500) + id; } }
class PendingJob { constructor(id) { this.id = id; this.input = 'j'.repeat(500) + id; } }
const callbacks = new Map();                             // closure-capture through a Map

// One function per leak, so that no two leaks share a closure context.
function logRequest(i) { requestLog.push(new RequestEntry(i)); }
function subscribe(i) { configBus.on('change', function onConfigChange() { return i; }); }
function startPoller(i) { pollers.add(new Poller(i)); }
function report(i) { return getReport('report-' + i); }
function connect() { return new ConnectionPool(); }
function remember(i) { globalThis.sessionsSeen['s' + i] = new SessionRecord(i); }
function keepUpload(i) { uploads.push(Buffer.alloc(16 * 1024, i % 256)); }
function audit(i) {
  const big = new LargeRequest(i);                       // closure-capture: pending timer keeps it
  setTimeout(() => big.id, 3600e3);
}

const LEAKS = { logRequest, subscribe, startPoller, report, connect, remember, keepUpload, audit,
  lateSubscribe, keepCallback };
const only = process.env.ONLY;                           // run a single leak by its name
function lateSubscribe(i) {
  if (i < 1500) return;                                  // only after the warm-up: the list is new
  const request = new LateRequest(i);
  lateBus.on('tick', () => request.id);
}
function keepCallback(i) {
  const job = new PendingJob(i);
  callbacks.set(i, () => job.input.length);
}

function handleLeaky(i) {
  for (const [name, leak] of Object.entries(LEAKS)) if (!only || only === name) leak(i);
}

// ---- correct look-alikes -------------------------------------------------------------------
class BoundedCache {
  constructor(max) { this.max = max; this.map = new Map(); }
  set(k, v) { this.map.set(k, v); if (this.map.size > this.max) this.map.delete(this.map.keys().next().value); }
}
class ProfileEntry { constructor(k) { this.k = k; this.data = new Array(30).fill(k); } }
const profileCache = new BoundedCache(100);

class Socketish extends EventEmitter {}
const fakeServer = new EventEmitter();
fakeServer.setMaxListeners(0);

class Ticker { constructor() { this.t = setInterval(() => {}, 1000); } stop() { clearInterval(this.t); } }

class SmallRequest { constructor(id) { this.id = id; this.body = 's'.repeat(2000) + id; } }

const COUNTRIES = {};                                    // constant lookup table
for (let i = 0; i < 2000; i++) COUNTRIES['c' + i] = { code: 'c' + i, name: 'Country ' + i };

class RecentHit { constructor(i) { this.i = i; this.path = '/recent/' + i; } }
const recentHits = new Array(1000).fill(null);          // ring buffer, bigger than a phase
class FifoEntry { constructor(i) { this.i = i; this.data = new Array(10).fill(i); } }
const fifo = new Map();                                  // FIFO cache capped at 1000 entries

class WarmupEntry { constructor(i) { this.i = i; this.payload = new Array(50).fill(i); } }
const warmTable = [];                                    // grows during warm-up, then plateaus

function handleCorrect(i) {
  profileCache.set('p' + i, new ProfileEntry(i));
  const socket = new Socketish();
  const onTick = () => socket.emit('data', i);
  fakeServer.on('tick', onTick);
  socket.once('close', () => fakeServer.removeListener('tick', onTick));
  socket.emit('close');
  const ticker = new Ticker();
  ticker.stop();
  const small = new SmallRequest(i);
  const id = small.id;
  clearTimeout(setTimeout(() => id, 3600e3));           // a timer that is cleared
  if (warmTable.length < 1500) warmTable.push(new WarmupEntry(i));
  recentHits[i % recentHits.length] = new RecentHit(i);
  fifo.set('f' + i, new FifoEntry(i));
  if (fifo.size > 1000) fifo.delete(fifo.keys().next().value);
  let churn = [];
  for (let k = 0; k < 50; k++) churn.push({ k, s: 'tmp' + k });
  churn = null;
  return COUNTRIES['c' + (i % 2000)];
}

let served = 0;
function serve(n) {
  for (let k = 0; k < n; k++, served++) {
    handleCorrect(served);
    if (leaks) handleLeaky(served);
  }
}

function snap(name) {
  globalThis.gc && globalThis.gc();
  v8.writeHeapSnapshot(path.join(out, name));
}

serve(1500);                                             // warm-up: the plateau fills here
snap('1-baseline.heapsnapshot');
serve(PER_PHASE);
snap('2-target.heapsnapshot');
serve(PER_PHASE);
snap('3-final.heapsnapshot');
process.exit(0);
