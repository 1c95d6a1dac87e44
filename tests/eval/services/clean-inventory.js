'use strict';
// A clean inventory service: bounded caches, rings, removed listeners, cleared timers.
const http = require('http');
const { EventEmitter } = require('events');

class StockLevel {
  constructor(sku) {
    this.sku = sku;
    this.count = sku.length * 7;
    this.history = new Array(12).fill(0);
  }
}

class BoundedCache {
  constructor(max) { this.max = max; this.map = new Map(); }
  get(key) { return this.map.get(key); }
  set(key, value) {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value);
    this.map.set(key, value);
  }
}

class ReservationHold {
  constructor(id) { this.id = id; this.items = new Array(10).fill(id); }
}

const stockCache = new BoundedCache(200);
const events = new EventEmitter();
const recent = new Array(100).fill(null);
let seq = 0;

http.createServer((req, res) => {
  const id = ++seq;
  const sku = 'sku-' + id;
  let level = stockCache.get(sku);
  if (!level) { level = new StockLevel(sku); stockCache.set(sku, level); }
  const hold = new ReservationHold(id);
  const onRestock = () => { hold.items[0] = 'restocked'; };
  events.on('restock', onRestock);
  const expire = setTimeout(() => events.emit('expired', hold), 60000);
  recent[id % recent.length] = { id, sku, at: Date.now() };
  res.on('finish', () => {
    events.removeListener('restock', onRestock);
    clearTimeout(expire);
  });
  res.end(JSON.stringify({ sku, count: level.count }));
}).listen(Number(process.env.PORT), '127.0.0.1');
