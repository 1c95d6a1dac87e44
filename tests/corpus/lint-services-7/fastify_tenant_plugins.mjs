// Fastify v4 plugins in the shape of the fastify org's own (@fastify/redis, @fastify/websocket,
// @fastify/under-pressure): `fp(async function plugin (fastify, opts) {...})` registered once,
// decorators on the instance and the request, hooks (onRequest/onResponse run per request),
// onClose for teardown, routes in a separate encapsulated plugin. Terse, no semicolons.
import fp from 'fastify-plugin'
import { request as undiciRequest, Pool } from 'undici'
import { createClient } from 'redis'
import mercurius from 'mercurius'
import { setTimeout as sleep } from 'node:timers/promises'

// module-level registry shared between plugin instances (tests register the app many times)
globalThis.__tenantHooks ??= []
globalThis.__tenantConfigs ??= new Map()

const tenantPlugin = fp(async function tenantPlugin (fastify, opts) {
  const redis = createClient({ url: opts.redisUrl }) // ok: resource-per-request
  await redis.connect()
  const upstream = new Pool(opts.upstreamUrl, { connections: 16 }) // ok: resource-per-request
  const perTenantCounters = new Map()

  fastify.decorate('redis', redis)
  fastify.decorate('upstream', upstream)
  fastify.decorateRequest('tenant', null)

  const metricsTimer = setInterval(() => { // ok: timer-leak
    fastify.log.info({ tenants: perTenantCounters.size }, 'tenant metrics')
    perTenantCounters.clear()
  }, 30_000)

  fastify.addHook('onClose', async () => {
    clearInterval(metricsTimer)
    await upstream.close()
    await redis.quit()
  })

  fastify.addHook('onRequest', async (request) => {
    const host = request.headers.host || ''
    const tenant = host.split('.')[0]
    request.tenant = tenant
    perTenantCounters.set(tenant, (perTenantCounters.get(tenant) || 0) + 1) // ok: unbounded-collection
    if (!globalThis.__tenantConfigs.has(tenant)) {
      const raw = await redis.get(`tenant:${tenant}:config`)
      globalThis.__tenantConfigs.set(tenant, raw ? JSON.parse(raw) : {}) // leak: global-growth
    }
  })

  fastify.addHook('onResponse', async (request, reply) => {
    globalThis.__tenantHooks.push({ tenant: request.tenant, status: reply.statusCode, ms: reply.elapsedTime }) // leak: global-growth
  })

  fastify.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500) {
      await redis.lPush(`tenant:${request.tenant}:errors`, request.id)
      await redis.lTrim(`tenant:${request.tenant}:errors`, 0, 99)
    }
  })
}, { name: 'tenant', fastify: '4.x' })

const pressurePlugin = fp(async function pressure (fastify, opts) {
  let lastLag = 0
  let last = process.hrtime.bigint()
  const sampler = setInterval(() => { // ok: timer-leak
    const now = process.hrtime.bigint()
    lastLag = Math.max(0, Number(now - last) / 1e6 - opts.sampleInterval)
    last = now
  }, opts.sampleInterval)
  sampler.unref()
  fastify.addHook('onClose', (_, done) => { clearInterval(sampler); done() })
  fastify.addHook('onRequest', (request, reply, done) => {
    if (lastLag > opts.maxEventLoopDelay) return reply.code(503).send({ error: 'under pressure' })
    done()
  })
}, { name: 'pressure' })

async function routes (fastify) {
  const responseCache = new Map()
  const inflight = new Map()

  fastify.get('/api/:tenant/items/:id', async (request) => {
    const key = `${request.params.tenant}:${request.params.id}:${request.query.v}`
    if (responseCache.has(key)) return responseCache.get(key)
    const { body } = await fastify.upstream.request({ method: 'GET', path: `/items/${request.params.id}` })
    const item = await body.json()
    responseCache.set(key, item) // leak: unbounded-cache
    return item
  })

  fastify.get('/api/:tenant/search', async (request) => {
    const q = String(request.query.q || '')
    if (inflight.has(q)) return inflight.get(q)
    const p = undiciRequest(`${fastify.initialConfig.upstreamUrl || 'http://127.0.0.1:9000'}/search?q=${encodeURIComponent(q)}`)
      .then((r) => r.body.json())
      .finally(() => inflight.delete(q))
    inflight.set(q, p) // ok: unbounded-collection
    return p
  })

  fastify.get('/api/:tenant/report', async (request) => {
    const reportPool = new Pool('http://127.0.0.1:9100', { connections: 2 }) // leak: resource-per-request
    const { body } = await reportPool.request({ method: 'GET', path: `/report/${request.params.tenant}` })
    return body.json()
  })

  fastify.get('/api/:tenant/stream', (request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    const tick = setInterval(() => reply.raw.write(`data: ${Date.now()}\n\n`), 1000) // ok: timer-leak
    request.raw.on('close', () => clearInterval(tick)) // ok: listener-leak
  })

  fastify.get('/api/:tenant/watch', (request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    const tick = setInterval(() => reply.raw.write(`data: ${request.tenant}\n\n`), 1000) // leak: timer-leak
    reply.raw.on('finish', () => clearInterval(tick)) // 'finish' never fires: the stream is never ended
  })

  fastify.post('/api/:tenant/hooks', async (request) => {
    const { event } = request.body
    const handlers = fastify.tenantHandlers || (fastify.tenantHandlers = {})
    const previous = handlers[event]
    const body = request.body
    handlers[event] = async (payload) => { // leak: closure-capture
      if (previous) await previous(payload)
      fastify.log.info({ event, from: body.source }, 'hook ran')
    }
    return { ok: true }
  })

  fastify.post('/api/:tenant/retry', async (request) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { statusCode } = await fastify.upstream.request({ method: 'POST', path: '/jobs', body: JSON.stringify(request.body) })
      if (statusCode < 500) return { attempt }
      await sleep(200 * (attempt + 1)) // ok: timer-leak
    }
    throw new Error('upstream unavailable')
  })

  fastify.get('/api/:tenant/events', async (request, reply) => {
    const sub = fastify.redis.duplicate() // leak: resource-per-request
    await sub.connect()
    await sub.subscribe(`tenant:${request.params.tenant}:events`, (msg) => reply.raw.write(`data: ${msg}\n\n`))
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    return reply
  })

  fastify.get('/api/:tenant/events-safe', async (request, reply) => {
    const sub = fastify.redis.duplicate() // ok: resource-per-request
    await sub.connect()
    await sub.subscribe(`tenant:${request.params.tenant}:events`, (msg) => reply.raw.write(`data: ${msg}\n\n`))
    request.raw.once('close', () => { sub.quit().catch(() => {}) }) // ok: listener-leak
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    return reply
  })
}

export default async function app (fastify, opts) {
  await fastify.register(pressurePlugin, { sampleInterval: 1000, maxEventLoopDelay: 500 })
  await fastify.register(tenantPlugin, opts)
  await fastify.register(mercurius, { schema: 'type Query { ping: String }', resolvers: { Query: { ping: async () => 'pong' } } })
  await fastify.register(routes)
}
