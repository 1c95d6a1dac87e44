// Multi-tenant reporting API on Fastify 4: plugins with decorators and hooks.
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import pg from 'pg';
import { LRUCache } from 'lru-cache';
import { loadTenants, fetchFlags, buildExport, notifyWebhook } from './lib/reporting.js';

const tenantPools = fp(async function tenantPools(fastify, opts) {
  const tenants = await loadTenants(opts.configUrl);
  const pools = new Map();

  fastify.decorate('tenantPool', (tenantId) => {
    const tenant = tenants.get(tenantId);
    if (!tenant) throw fastify.httpErrors.notFound(`unknown tenant ${tenantId}`);
    let pool = pools.get(tenantId);
    if (!pool) {
      pool = new pg.Pool({ connectionString: tenant.databaseUrl, max: 5 }); // ok: resource-per-request
      pools.set(tenantId, pool); // ok: unbounded-cache
    }
    return pool;
  });

  fastify.addHook('onClose', async () => {
    await Promise.all([...pools.values()].map((p) => p.end()));
    pools.clear();
  });
}, { name: 'tenant-pools' });

const tenantContext = fp(async function tenantContext(fastify) {
  const settings = new LRUCache({ max: 1000, ttl: 5 * 60 * 1000 });
  const flagMemo = {};

  fastify.decorateRequest('tenantId', null);
  fastify.decorateRequest('flags', null);

  fastify.addHook('onRequest', async (request, reply) => {
    request.tenantId = request.headers['x-tenant-id'];
    if (!request.tenantId) return reply.code(400).send({ error: 'x-tenant-id required' });
    request.raw.socket.on('close', () => { // leak: listener-leak, closure-capture
      request.log.debug({ tenant: request.tenantId }, 'connection closed');
    });
    const onAbort = () => request.log.info('client aborted'); // ok: closure-capture
    request.raw.on('aborted', onAbort); // ok: listener-leak
  });

  fastify.addHook('preHandler', async (request) => {
    const memoKey = `${request.tenantId}:${request.user?.id ?? 'anon'}`;
    if (!flagMemo[memoKey]) {
      flagMemo[memoKey] = await fetchFlags(request.tenantId, request.user?.id); // leak: unbounded-cache
    }
    request.flags = flagMemo[memoKey];
  });

  fastify.decorate('tenantSettings', async (tenantId) => {
    let value = settings.get(tenantId);
    if (value === undefined) {
      const { rows } = await fastify.tenantPool(tenantId).query('SELECT key, value FROM settings');
      value = Object.fromEntries(rows.map((r) => [r.key, r.value]));
      settings.set(tenantId, value); // ok: unbounded-cache
    }
    return value;
  });
}, { name: 'tenant-context', dependencies: ['tenant-pools'] });

const rateLimit = fp(async function rateLimit(fastify, opts) {
  const counters = new Map();
  const reset = setInterval(() => counters.clear(), 60 * 1000); // ok: timer-leak
  fastify.addHook('onClose', async () => clearInterval(reset));

  fastify.addHook('onRequest', async (request, reply) => {
    const used = (counters.get(request.ip) ?? 0) + 1;
    counters.set(request.ip, used); // ok: unbounded-collection
    if (used > opts.perMinute) return reply.code(429).send({ error: 'slow down' });
  });
});

async function reportRoutes(fastify) {
  fastify.decorate('pendingWebhooks', new Map());

  fastify.post('/reports/:id/export', async (request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const progress = setInterval(() => reply.raw.write('{"progress":"working"}\n'), 5000); // leak: timer-leak
    const file = await buildExport(fastify.tenantPool(request.tenantId), request.params.id, request.body);
    clearInterval(progress);
    reply.raw.end(JSON.stringify({ done: true, file }) + '\n');
    return reply;
  });

  fastify.post('/reports/:id/publish', async (request) => {
    const deliveryId = `${request.tenantId}-${request.id}`;
    fastify.pendingWebhooks.set(deliveryId, () => notifyWebhook(request.body.callbackUrl, request.body)); // leak: closure-capture, unbounded-collection
    await notifyWebhook(request.body.callbackUrl, { deliveryId, status: 'queued' });
    return { deliveryId };
  });

  fastify.post('/webhooks/ack/:deliveryId', async (request) => {
    const retry = fastify.pendingWebhooks.get(request.params.deliveryId);
    fastify.pendingWebhooks.delete(request.params.deliveryId);
    if (request.body.status === 'retry' && retry) await retry();
    return { ok: true };
  });

  fastify.get('/reports/:id', async (request) => {
    const settings = await fastify.tenantSettings(request.tenantId);
    const { rows } = await fastify.tenantPool(request.tenantId)
      .query('SELECT * FROM reports WHERE id = $1', [request.params.id]);
    return { report: rows[0], currency: settings.currency, flags: request.flags };
  });
}

const app = Fastify({ logger: true });
await app.register(import('@fastify/sensible'));
await app.register(tenantPools, { configUrl: process.env.TENANTS_URL });
await app.register(tenantContext);
await app.register(rateLimit, { perMinute: 600 });
await app.register(reportRoutes);
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
