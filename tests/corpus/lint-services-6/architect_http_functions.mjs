// HTTP functions in the style of an Architect (arc.codes) app (src/http/<method>-<route>/index.mjs
// exporting handler = arc.http(...middleware) or arc.http.async, @architect/functions tables()
// for DynamoDB, arc.events.publish, shared code under src/shared). Lambda containers stay warm,
// so module scope outlives one request. ESM, async/await, one module per route gathered here.
import arc from '@architect/functions'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3'
import { createClient } from 'redis'
import { LRUCache } from 'lru-cache'
import { EventEmitter } from 'node:events'

// ---- src/shared/clients.mjs: made once per container
const s3 = new S3Client({}) // ok: resource-per-request
let redisReady
function redis () {
  redisReady ??= createClient({ url: process.env.REDIS_URL }).connect() // ok: resource-per-request
  return redisReady
}
const bus = new EventEmitter()

// ---- src/shared/session.mjs
const sessions = new LRUCache({ max: 1000, ttl: 15 * 60 * 1000 }) // ok: unbounded-cache
// feature flags per account, cached for the container's life
const flagCache = {}
// validators compiled per JSON schema string
const validators = new Map()

async function loadSession (req, context) {
  const sid = req.session?.sid
  if (!sid) return
  const hit = sessions.get(sid)
  if (hit) { req.account = hit; return }
  const data = await arc.tables()
  const account = await data.accounts.get({ sid })
  sessions.set(sid, account) // ok: unbounded-cache
  req.account = account
}

async function loadFlags (req) {
  if (!req.account) return
  const id = req.account.accountId
  if (!flagCache[id]) {
    const data = await arc.tables()
    flagCache[id] = await data.flags.query({ KeyConditionExpression: 'accountId = :a', ExpressionAttributeValues: { ':a': id } }) // leak: unbounded-cache
  }
  req.flags = flagCache[id]
}

function compile (schemaText) {
  if (!validators.has(schemaText)) {
    const schema = JSON.parse(schemaText)
    validators.set(schemaText, (body) => Object.keys(schema.properties || {}).every((k) => k in body)) // leak: unbounded-cache
  }
  return validators.get(schemaText)
}

// ---- src/http/get-index/index.mjs
export const getIndex = arc.http(loadSession, loadFlags, async (req) => {
  globalThis.requestCount = (globalThis.requestCount ?? 0) + 1 // ok: global-growth
  return { json: { hello: req.account?.name ?? 'anon', flags: req.flags ?? [] } }
})

// ---- src/http/post-uploads/index.mjs
export const postUploads = arc.http.async(loadSession, async (req) => {
  const key = `uploads/${req.account.accountId}/${Date.now()}`
  await s3.send(new PutObjectCommand({ Bucket: process.env.ARC_STATIC_BUCKET, Key: key, Body: req.body.file }))
  // the last upload keys per account are kept across invocations on a global
  globalThis.recentUploads ??= {}
  ;(globalThis.recentUploads[req.account.accountId] ??= []).push(key) // leak: global-growth
  return { statusCode: 201, json: { key } }
})

// ---- src/http/post-items/index.mjs
export const postItems = arc.http.async(loadSession, async (req) => {
  const valid = compile(req.headers['x-schema'] ?? '{}')
  if (!valid(req.body)) return { statusCode: 400 }
  // a DynamoDB client per invocation
  const ddb = new DynamoDBClient({ maxAttempts: 2 }) // leak: resource-per-request
  const data = await arc.tables()
  await data.items.put({ ...req.body, accountId: req.account.accountId })
  await arc.events.publish({ name: 'item-created', payload: { id: req.body.id } })
  void ddb
  return { statusCode: 201 }
})

// ---- src/http/get-items-000id/index.mjs: per-invocation client, destroyed
export const getItem = arc.http.async(async (req) => {
  const ddb = new DynamoDBClient({}) // ok: resource-per-request
  try {
    const data = await arc.tables()
    return { json: await data.items.get({ id: req.params.id }) }
  } finally {
    ddb.destroy()
  }
})

// ---- src/http/get-live/index.mjs: waits up to 20s for the next change
export const getLive = arc.http.async(async (req) => {
  const client = await redis()
  const next = await new Promise((resolve) => {
    const onChange = (msg) => { clearTimeout(t); resolve(msg) }
    const t = setTimeout(() => { bus.off('change', onChange); resolve(null) }, 20000) // ok: timer-leak
    bus.on('change', onChange) // leak: listener-leak
  })
  await client.incr('live-polls')
  return { json: { next } }
})

// ---- src/http/get-live-v2/index.mjs: same, removal on both paths
export const getLiveV2 = arc.http.async(async () => {
  const next = await new Promise((resolve) => {
    const done = (msg) => { clearTimeout(t); bus.off('change', done); resolve(msg) }
    const t = setTimeout(() => done(null), 20000) // ok: timer-leak
    bus.on('change', done) // ok: listener-leak
  })
  return { json: { next } }
})

// ---- src/http/post-hooks/index.mjs: warm-container debounce that is restarted per request
let flushTimer
const pending = []
export const postHooks = arc.http.async(async (req) => {
  pending.push(req.body) // ok: unbounded-collection
  if (pending.length > 100) pending.splice(0, pending.length - 100)
  clearTimeout(flushTimer)
  flushTimer = setTimeout(async () => { // ok: timer-leak
    const batch = pending.splice(0)
    const client = await redis()
    await client.rPush('hooks', batch.map((b) => JSON.stringify(b)))
  }, 1000)
  return { statusCode: 202 }
})

// ---- src/http/post-heartbeat/index.mjs
export const postHeartbeat = arc.http.async(loadSession, async (req) => {
  const client = await redis()
  setInterval(() => void client.set(`hb:${req.account.accountId}`, Date.now(), { EX: 60 }), 30000) // leak: timer-leak
  return { statusCode: 204 }
})

// ---- src/events/item-created/index.mjs
const onCreatedHooks = []
export function onItemCreated (hook) {
  onCreatedHooks.push(hook) // ok: unbounded-collection
}
export const itemCreated = arc.events.subscribe(async (event) => {
  // the retry wrapper is rebuilt around the previous one on every event
  const last = globalThis.__retryWrap
  globalThis.__retryWrap = async (fn) => { try { return await fn() } catch (e) { if (last) return last(fn); throw e } } // leak: closure-capture
  for (const hook of onCreatedHooks) await globalThis.__retryWrap(() => hook(event))
})

// ---- src/events/item-deleted/index.mjs: the handler-local wrapper is fine
export const itemDeleted = arc.events.subscribe(async (event) => {
  const retry = async (fn, n = 2) => { try { return await fn() } catch (e) { if (n) return retry(fn, n - 1); throw e } } // ok: closure-capture
  const client = await redis()
  await retry(() => client.del(`item:${event.id}`))
})

// ---- src/shared/formatter.mjs: template cache bounded by the fixed set of template names
const templates = new Map()
export function formatter (name, vars) {
  if (!templates.has(name)) templates.set(name, (v) => `${name}:${JSON.stringify(v)}`) // ok: unbounded-cache
  return templates.get(name)(vars)
}
