#!/usr/bin/env node
// Builds a big retained heap of a realistic shape, churns garbage around it, and writes a
// V8 heap snapshot of roughly the requested size.
//
//   node --max-old-space-size=8192 bench/make_snapshot.js --size-mb 150 --out FILE
//   node --max-old-space-size=8192 bench/make_snapshot.js --size-mb 150 --series 3 --out 'leak-{n}.heapsnapshot'
//
// The heap looks like a service that has been running for a while: shards of customers in
// Maps, orders in arrays with back references, per-customer closures and event listeners,
// typed arrays, unique and shared strings, a cache of serialised strings, an audit log that
// shares orders with the customers (so dominators are not just a tree), a WeakMap of sessions
// and WeakRefs to customers, and a ring buffer of recent requests that keeps being overwritten
// while garbage is made and dropped.
//
// The snapshot size is reached by calibration: two small snapshots measure how many bytes one
// customer adds to the file, then the heap is grown to the target and written once. The shape
// comes from seeded random numbers; the customer count follows the calibration, which can move
// by a fraction of a percent between runs as Node's own startup heap varies.
//
// --series N writes N snapshots of one process ({n} in --out is replaced by 1..N), as a
// baseline/target/final run of find-leaks wants: between two snapshots the "service" handles
// requests that replace some customers (churn that is freed) and leak a little through four
// classic patterns: an unbounded request log, a listener per request on a long-lived emitter,
// an interval per request that is never cleared, and a closure that captures a whole request.
// Each round leaks about --leak-percent of the target size.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');
const { EventEmitter } = require('events');

function parseArgs(argv) {
  const args = { sizeMb: 20, out: null, seed: 42, series: 1, leakPercent: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--size-mb') { args.sizeMb = Number(value); i++; }
    else if (flag === '--out') { args.out = value; i++; }
    else if (flag === '--seed') { args.seed = Number(value); i++; }
    else if (flag === '--series') { args.series = Number(value); i++; }
    else if (flag === '--leak-percent') { args.leakPercent = Number(value); i++; }
    else if (flag === '-h' || flag === '--help') {
      process.stdout.write('usage: make_snapshot.js --size-mb N --out FILE [--seed N] '
        + '[--series N --leak-percent P]\n');
      process.exit(0);
    } else {
      process.stderr.write(`make_snapshot.js: unknown argument ${flag}\n`);
      process.exit(2);
    }
  }
  if (!args.out || !(args.sizeMb > 0)) {
    process.stderr.write('make_snapshot.js: need --size-mb N (> 0) and --out FILE\n');
    process.exit(2);
  }
  if (!(args.series >= 1) || (args.series > 1 && !args.out.includes('{n}'))) {
    process.stderr.write('make_snapshot.js: --series N needs N >= 1 and {n} in --out\n');
    process.exit(2);
  }
  return args;
}

// mulberry32: a tiny seeded generator, so every run builds the same heap.
function makeRandom(seed) {
  let state = seed >>> 0;
  return function random() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor',
  'indigo', 'juniper', 'kelp', 'lumen', 'maple', 'nectar', 'onyx', 'pepper', 'quartz',
  'raven', 'sable', 'tundra', 'umber', 'violet', 'willow', 'xenon', 'yarrow', 'zephyr'];
const TAGS = ['vip', 'trial', 'churn-risk', 'enterprise', 'eu', 'us', 'apac', 'beta',
  'newsletter', 'mobile', 'desktop', 'api'];
const SHARD_COUNT = 12;

class LineItem {
  constructor(sku, quantity, price) {
    this.sku = sku;
    this.quantity = quantity;
    this.price = price;
  }
}

class Order {
  constructor(id, customer, random) {
    this.id = id;
    this.customer = customer; // back reference: a cycle, as in real object models
    this.createdAt = new Date(1700000000000 + Math.floor(random() * 1e10));
    this.items = [];
    const itemCount = 1 + Math.floor(random() * 4);
    for (let i = 0; i < itemCount; i++) {
      const sku = `SKU-${WORDS[Math.floor(random() * WORDS.length)]}-${Math.floor(random() * 500)}`;
      this.items.push(new LineItem(sku, 1 + Math.floor(random() * 5), Math.round(random() * 10000) / 100));
    }
    this.total = this.items.reduce((sum, item) => sum + item.quantity * item.price, 0);
    this.status = random() < 0.8 ? 'delivered' : 'pending';
  }
}

class Customer {
  constructor(id, random) {
    const word = WORDS[Math.floor(random() * WORDS.length)];
    this.id = id;
    this.name = `${word} customer ${id}`;
    this.email = `${word}.${id}@example.test`;
    this.tags = [TAGS[id % TAGS.length], TAGS[Math.floor(random() * TAGS.length)]];
    this.preferences = new Map([['locale', random() < 0.5 ? 'en' : 'de'], ['theme', 'dark'],
      ['digest', random() < 0.3]]);
    this.metrics = new Float64Array(8);
    this.orders = [];
    const orderCount = 1 + Math.floor(random() * 5);
    for (let i = 0; i < orderCount; i++) this.orders.push(new Order(id * 16 + i, this, random));
    // A closure per customer that captures it, as request handlers and callbacks do.
    const self = this;
    this.describe = function describe() { return `${self.name} <${self.email}>`; };
  }
}

class Shard {
  constructor(name) {
    this.name = name;
    this.customers = new Map();
    this.byEmail = Object.create(null);
    this.events = new EventEmitter();
    this.events.setMaxListeners(0);
  }

  add(customer) {
    this.customers.set(`c${customer.id}`, customer);
    this.byEmail[customer.email] = customer.id;
    if (customer.id % 7 === 0) {
      this.events.on('update', (change) => { customer.metrics[0] += change; });
    }
  }
}

class Heap {
  constructor(seed) {
    this.random = makeRandom(seed);
    this.nextId = 1;
    this.shards = [];
    for (let i = 0; i < SHARD_COUNT; i++) this.shards.push(new Shard(`shard-${i}`));
    this.responseCache = new Map();
    // Weak references: V8 writes WeakMap entries and WeakRef targets as weak or internal edges,
    // which a dominator computation must treat as DevTools does (not as ownership).
    this.sessions = new WeakMap();
    this.watchers = [];
    this.activeTags = new Set();
    this.auditLog = [];
    this.recentRequests = new Array(4096).fill(null);
    this.requestCount = 0;
    this.leaks = new Leaks();
  }

  // One round of traffic: replace some customers (their old objects become garbage) and leak.
  serve(requests, leakBytes) {
    const leakPerRequest = Math.max(1, Math.floor(leakBytes / requests));
    for (let n = 0; n < requests; n++) {
      const shard = this.pickShard();
      const first = shard.customers.keys().next();
      if (!first.done) shard.customers.delete(first.value);
      const customer = new Customer(this.nextId++, this.random);
      shard.add(customer);
      this.churn(customer);
      this.leaks.leak(customer, this.requestCount, leakPerRequest);
    }
  }

  // Shards get uneven shares (roughly Zipf) so their retained sizes differ.
  pickShard() {
    const r = this.random();
    return this.shards[Math.min(SHARD_COUNT - 1, Math.floor(SHARD_COUNT * r * r * r))];
  }

  addCustomers(count) {
    for (let n = 0; n < count; n++) {
      const customer = new Customer(this.nextId++, this.random);
      this.pickShard().add(customer);
      if (customer.id % 10 === 0) this.auditLog.push(customer.orders[0]);
      if (customer.id % 5 === 0) {
        this.sessions.set(customer, { token: `session-${customer.id}`, lastSeen: new Date() });
      }
      if (customer.id % 11 === 0) this.watchers.push(new WeakRef(customer));
      this.activeTags.add(customer.tags[1]);
      if (customer.id % 3 === 0) {
        this.responseCache.set(`/customers/${customer.id}`,
          JSON.stringify({ id: customer.id, name: customer.name, orders: customer.orders.length }));
      }
      this.churn(customer);
    }
  }

  // Garbage that a request makes and drops, plus a ring buffer that keeps a few alive.
  churn(customer) {
    const request = {
      path: `/customers/${customer.id}/orders`,
      headers: { accept: 'application/json', 'x-request-id': `req-${this.requestCount}` },
      body: customer.orders.map((order) => ({ id: order.id, total: order.total })),
    };
    const response = JSON.stringify(request.body);
    this.recentRequests[this.requestCount % this.recentRequests.length] =
      { path: request.path, length: response.length };
    this.requestCount++;
  }
}

// The four planted leaks, each with the shape a real service gives it.
class Leaks {
  constructor() {
    this.requestLog = []; // unbounded-collection: pushed to, never trimmed
    this.bus = new EventEmitter(); // listener-leak: one listener per request, never removed
    this.bus.setMaxListeners(0);
    this.timers = []; // timer-leak: kept only so the benchmark can clear them before exit
    this.handlers = new Map(); // closure-capture: a callback that captures the whole request
  }

  leak(customer, requestNumber, bytes) {
    const payload = `payload ${requestNumber} `.repeat(Math.max(1, Math.floor(bytes / 64)));
    const request = { id: requestNumber, customer: customer.id, body: payload,
      headers: { 'x-request-id': `leak-${requestNumber}` } };
    switch (requestNumber % 4) {
      case 0:
        this.requestLog.push({ at: requestNumber, body: request.body });
        break;
      case 1:
        this.bus.on('config', () => request.headers);
        break;
      case 2: {
        const timer = setInterval(() => { request.id += 0; }, 3600 * 1000);
        timer.unref();
        this.timers.push(timer);
        break;
      }
      default:
        this.handlers.set(requestNumber, () => request.body.length);
    }
  }
}

function fileSize(file) {
  return fs.statSync(file).size;
}

function writeSnapshotTo(file) {
  const temporary = `${file}.partial-${process.pid}`;
  v8.writeHeapSnapshot(temporary);
  fs.renameSync(temporary, file);
  return fileSize(file);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const target = args.sizeMb * 1024 * 1024;
  const heap = new Heap(args.seed);
  globalThis.benchHeap = heap; // reachable from the global object, like module state

  // Calibrate on two small snapshots: bytes of snapshot file per customer.
  const probe = path.join(os.tmpdir(), `heapsight-bench-probe-${process.pid}.heapsnapshot`);
  // ~5 KB of file per customer: small targets get small probes so the base heap is not passed
  const step = Math.max(50, Math.min(1000, Math.round(target / 20 / 5000)));
  heap.addCustomers(step);
  const first = writeSnapshotTo(probe);
  heap.addCustomers(step);
  const second = writeSnapshotTo(probe);
  fs.unlinkSync(probe);
  const perCustomer = Math.max(1, (second - first) / step);
  const wanted = Math.max(0, Math.round((target - second) / perCustomer));
  const started = Date.now();
  for (let done = 0; done < wanted; done += 50000) {
    heap.addCustomers(Math.min(50000, wanted - done));
  }
  const files = [];
  const leakBytes = target * args.leakPercent / 100;
  for (let n = 1; n <= args.series; n++) {
    if (n > 1) heap.serve(Math.max(100, Math.round(wanted / 20)), leakBytes);
    const file = args.out.replace('{n}', String(n));
    files.push({ file, bytes: writeSnapshotTo(file) });
  }
  for (const timer of heap.leaks.timers) clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(JSON.stringify({
    files, target_bytes: target, customers: heap.nextId - 1,
    bytes_per_customer: Math.round(perCustomer), seconds,
  }) + '\n');
}

main();
