'use strict';
// Orders service: Express app with routers, middleware and a service module (CommonJS).
const express = require('express');
const { Pool } = require('pg');
const Redis = require('ioredis');
const { EventEmitter } = require('events');
const LRU = require('lru-cache');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 }); // ok: resource-per-request
const bus = new EventEmitter();
const auditTrail = [];
const recentErrors = [];
const priceCache = new LRU({ max: 500, ttl: 60_000 });
const inflight = new Map();

function requestId(req, res, next) {
  req.id = req.headers['x-request-id'] || Math.random().toString(36).slice(2);
  res.setHeader('x-request-id', req.id);
  next();
}

function audit(req, res, next) {
  res.on('finish', () => {
    auditTrail.push({ id: req.id, path: req.path, status: res.statusCode, at: Date.now() }); // leak: unbounded-collection
  });
  next();
}

function errorRing(err, req, res, next) {
  recentErrors.push({ message: err.message, at: Date.now() }); // ok: unbounded-collection
  if (recentErrors.length > 100) recentErrors.shift();
  res.status(500).json({ error: 'internal' });
}

async function loadOrder(id) {
  const { rows } = await pool.query('select * from orders where id = $1', [id]);
  return rows[0];
}

async function notifyWarehouse(order) {
  const redis = new Redis(process.env.REDIS_URL); // leak: resource-per-request
  await redis.publish('warehouse', JSON.stringify(order));
  return true;
}

async function reserveStock(order) {
  const redis = new Redis(process.env.REDIS_URL); // ok: resource-per-request
  try {
    await redis.decrby(`stock:${order.sku}`, order.qty);
  } finally {
    redis.disconnect();
  }
}

async function priceFor(sku) {
  const hit = priceCache.get(sku); // ok: unbounded-cache
  if (hit) return hit;
  const { rows } = await pool.query('select price from prices where sku = $1', [sku]);
  priceCache.set(sku, rows[0].price); // ok: unbounded-cache
  return rows[0].price;
}

async function dedupe(key, fn) {
  if (inflight.has(key)) return inflight.get(key);
  const p = fn().finally(() => inflight.delete(key)); // ok: unbounded-cache
  inflight.set(key, p);
  return p;
}

const router = express.Router();

router.get('/orders/:id', async (req, res, next) => {
  try {
    const order = await dedupe(`order:${req.params.id}`, () => loadOrder(req.params.id));
    if (!order) return res.sendStatus(404);
    order.total = order.qty * (await priceFor(order.sku));
    res.json(order);
  } catch (err) {
    next(err);
  }
});

router.post('/orders', express.json(), async (req, res, next) => {
  try {
    const { rows } = await pool.query(
      'insert into orders (sku, qty, customer) values ($1, $2, $3) returning *',
      [req.body.sku, req.body.qty, req.body.customer],
    );
    await reserveStock(rows[0]);
    await notifyWarehouse(rows[0]);
    bus.on('order:shipped', (shipped) => { // leak: listener-leak, closure-capture
      if (shipped.id === rows[0].id) console.log('shipped', req.body.customer);
    });
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

router.get('/orders/:id/wait', (req, res) => {
  const onShipped = (shipped) => {
    if (shipped.id !== req.params.id) return;
    bus.off('order:shipped', onShipped);
    res.json({ shipped: true });
  };
  bus.on('order:shipped', onShipped); // ok: listener-leak, closure-capture
  req.on('close', () => bus.off('order:shipped', onShipped));
});

const app = express();
app.use(requestId);
app.use(audit);
app.use('/api', router);
app.use(errorRing);

const heartbeat = setInterval(() => bus.emit('heartbeat', Date.now()), 30_000); // ok: timer-leak
const server = app.listen(process.env.PORT || 3000);

process.on('SIGTERM', () => { // ok: listener-leak
  clearInterval(heartbeat);
  server.close(() => pool.end());
});

module.exports = { app, bus };
