'use strict';

// Checkout orchestration: reserve stock, charge, create shipment; compensate on failure.
const https = require('node:https');
const { randomUUID } = require('node:crypto');
const axios = require('axios');
const express = require('express');
const registry = require('./saga_registry.cjs');

const agent = new https.Agent({ keepAlive: true, maxSockets: 64 }); // ok: resource-per-request
const inventory = axios.create({ baseURL: process.env.INVENTORY_URL, httpsAgent: agent, timeout: 5000 }); // ok: resource-per-request
const payments = axios.create({ baseURL: process.env.PAYMENTS_URL, httpsAgent: agent, timeout: 10000 }); // ok: resource-per-request
const shipping = axios.create({ baseURL: process.env.SHIPPING_URL, httpsAgent: agent, timeout: 5000 }); // ok: resource-per-request

const idempotency = new Map();
const router = express.Router();
router.use(express.json());

registry.on('end', (id) => { // ok: listener-leak
  if (process.env.DEBUG_SAGAS) console.debug('saga finished', id);
});

async function withDeadline(ms, fn) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms); // ok: timer-leak
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheckout(sagaId, req) {
  const { cart, payment, address } = req.body;
  registry.begin(sagaId, { customer: req.user.id, items: cart.items.length }); // leak: unbounded-collection
  try {
    const reservation = await withDeadline(5000, (signal) => inventory.post('/reservations', { items: cart.items }, { signal }));
    registry.step(sagaId, 'reserved');
    registry.onCompensate(sagaId, () => inventory.delete(`/reservations/${reservation.data.id}`)); // leak: closure-capture, unbounded-collection

    const charge = await payments.post('/charges', { amount: cart.totalCents, source: payment.token }, { signal: AbortSignal.timeout(10000) });
    registry.step(sagaId, 'charged');
    registry.onCompensate(sagaId, () => payments.post(`/charges/${charge.data.id}/refund`, { reason: 'checkout failed', card: payment, request: req.body })); // leak: closure-capture, unbounded-collection

    const shipment = await shipping.post('/shipments', { address, items: cart.items });
    registry.step(sagaId, 'shipped');
    registry.end(sagaId);
    return { orderId: sagaId, shipmentId: shipment.data.id };
  } catch (err) {
    await registry.compensate(sagaId);
    throw err;
  }
}

router.post('/checkout', async (req, res, next) => {
  const key = req.get('idempotency-key');
  if (key && idempotency.has(key)) return res.status(409).json({ error: 'checkout already running' });
  const sagaId = randomUUID();
  if (key) idempotency.set(key, sagaId); // ok: unbounded-collection
  try {
    res.status(201).json(await runCheckout(sagaId, req));
  } catch (err) {
    next(err);
  } finally {
    if (key) idempotency.delete(key);
  }
});

router.get('/admin/sagas', (req, res) => res.json(registry.snapshot()));

module.exports = router;
