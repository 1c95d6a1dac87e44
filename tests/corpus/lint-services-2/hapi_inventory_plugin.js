'use strict';

// Inventory plugin for the warehouse API (hapi 21). Registered by server.js with
// { holdMs, suppliers } options; the routes are mounted under /inventory.

const https = require('https');
const http = require('http');
const Boom = require('@hapi/boom');
const Joi = require('joi');
const Wreck = require('@hapi/wreck');
const { EventEmitter } = require('events');
const { Pool } = require('pg');

const stockEvents = new EventEmitter();
stockEvents.setMaxListeners(0);

const pool = new Pool({ connectionString: process.env.INVENTORY_DB_URL, max: 10 }); // ok: resource-per-request

const catalogAgents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 50 }), // ok: resource-per-request
  https: new https.Agent({ keepAlive: true, maxSockets: 50 }), // ok: resource-per-request
  httpsAllowUnauthorized: new https.Agent({ keepAlive: true, rejectUnauthorized: false })
};
const catalog = Wreck.defaults({ baseUrl: process.env.CATALOG_URL, agents: catalogAgents, json: 'force' });

const reservationHolds = new Map();
const skuAliases = {};
const auditTrail = [];

function normaliseSku(raw) {
  return String(raw).trim().toUpperCase().replace(/[^A-Z0-9-]/g, '');
}

function canonicalSku(raw) {
  if (!(raw in skuAliases)) {
    skuAliases[raw] = normaliseSku(raw); // leak: unbounded-cache
  }
  return skuAliases[raw];
}

async function loadItem(sku) {
  const { rows } = await pool.query('SELECT sku, name, qty, warehouse FROM items WHERE sku = $1', [sku]);
  return rows[0] || null;
}

function supplierClient(supplier) {
  return Wreck.defaults({
    baseUrl: supplier.baseUrl,
    headers: { authorization: `Bearer ${supplier.token}` },
    agents: {
      http: catalogAgents.http,
      https: new https.Agent({ keepAlive: true, maxSockets: 8 }), // leak: resource-per-request
      httpsAllowUnauthorized: catalogAgents.httpsAllowUnauthorized
    }
  });
}

function releaseHold(id) {
  const hold = reservationHolds.get(id);
  if (!hold) return;
  clearTimeout(hold.timer);
  reservationHolds.delete(id);
  stockEvents.emit('change', { sku: hold.sku, warehouse: hold.warehouse, delta: hold.qty });
}

exports.plugin = {
  name: 'inventory',
  version: '2.3.0',
  register: async (server, options) => {
    const holdMs = options.holdMs || 15 * 60 * 1000;
    server.app.recentFailures = [];

    server.method('inventory.item', loadItem, {
      cache: { expiresIn: 30 * 1000, generateTimeout: 2000 }
    });

    const sweeper = setInterval(() => { // ok: timer-leak
      const now = Date.now();
      for (const [id, hold] of reservationHolds) {
        if (hold.expiresAt < now) releaseHold(id);
      }
    }, 60 * 1000);
    sweeper.unref();

    server.events.on('response', (request) => { // ok: listener-leak
      auditTrail.push({ path: request.path, status: request.response && request.response.statusCode, at: Date.now() }); // ok: unbounded-collection
      if (auditTrail.length > 500) auditTrail.splice(0, auditTrail.length - 500);
    });

    server.ext('onPreResponse', (request, h) => {
      const response = request.response;
      if (response.isBoom && response.output.statusCode >= 500) {
        server.app.recentFailures.push({ path: request.path, message: response.message, at: new Date() }); // leak: unbounded-collection
      }
      return h.continue;
    });

    server.ext('onPostStop', async () => {
      clearInterval(sweeper);
      for (const id of reservationHolds.keys()) releaseHold(id);
      await pool.end();
    });

    server.route([
      {
        method: 'GET',
        path: '/inventory/items/{sku}',
        options: { validate: { params: Joi.object({ sku: Joi.string().max(64) }) } },
        handler: async (request) => {
          const item = await server.methods.inventory.item(canonicalSku(request.params.sku));
          if (!item) throw Boom.notFound();
          return item;
        }
      },
      {
        method: 'POST',
        path: '/inventory/items/{sku}/holds',
        handler: async (request, h) => {
          const sku = canonicalSku(request.params.sku);
          const qty = request.payload.qty;
          const { rows } = await pool.query(
            'UPDATE items SET qty = qty - $2 WHERE sku = $1 AND qty >= $2 RETURNING warehouse', [sku, qty]);
          if (!rows.length) throw Boom.conflict('not enough stock');
          const id = `${sku}:${request.info.id}`;
          const timer = setTimeout(() => releaseHold(id), holdMs); // ok: timer-leak
          reservationHolds.set(id, { sku, qty, warehouse: rows[0].warehouse, timer, expiresAt: Date.now() + holdMs }); // ok: unbounded-collection
          return h.response({ id, expiresInMs: holdMs }).code(201);
        }
      },
      {
        method: 'DELETE',
        path: '/inventory/holds/{id}',
        handler: (request, h) => {
          releaseHold(request.params.id);
          return h.response().code(204);
        }
      },
      {
        method: 'GET',
        path: '/inventory/items/{sku}/next-change',
        handler: (request, h) => new Promise((resolve) => {
          const sku = canonicalSku(request.params.sku);
          const onChange = (evt) => {
            if (evt.sku !== sku) return;
            stockEvents.removeListener('change', onChange);
            resolve(h.response(evt));
          };
          stockEvents.on('change', onChange); // leak: listener-leak, closure-capture
          setTimeout(() => resolve(h.response().code(204)), 25 * 1000);
        })
      },
      {
        method: 'GET',
        path: '/inventory/warehouses/{code}/next-change',
        handler: (request, h) => new Promise((resolve) => {
          const code = request.params.code;
          let timer = null;
          const finish = (value) => {
            clearTimeout(timer);
            stockEvents.removeListener('change', onChange);
            request.events.removeListener('disconnect', onGone);
            resolve(value);
          };
          const onChange = (evt) => { if (evt.warehouse === code) finish(h.response(evt)); }; // ok: closure-capture
          const onGone = () => finish(h.response().code(499));
          stockEvents.on('change', onChange); // ok: listener-leak
          request.events.once('disconnect', onGone); // ok: listener-leak
          timer = setTimeout(() => finish(h.response().code(204)), 25 * 1000); // ok: timer-leak
        })
      },
      {
        method: 'POST',
        path: '/inventory/restock',
        handler: async (request) => {
          const supplier = options.suppliers[request.payload.supplier];
          if (!supplier) throw Boom.badRequest('unknown supplier');
          const client = supplierClient(supplier);
          const { payload } = await client.post('/orders', { payload: request.payload.lines, json: true });
          const details = await catalog.get(`/products?ids=${request.payload.lines.map((l) => l.sku).join(',')}`);
          return { order: payload, products: details.payload };
        }
      }
    ]);
  }
};
