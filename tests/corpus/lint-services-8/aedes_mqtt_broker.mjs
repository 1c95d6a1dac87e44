// Aedes MQTT broker style (after aedes' docs/Examples.md and the IoT brokers built on it: one
// broker from Aedes.createBroker() with an mqemitter / persistence, the authenticate /
// authorizePublish / authorizeSubscribe / preConnect handlers assigned as properties, broker
// events 'client' | 'clientReady' | 'clientDisconnect' | 'subscribe' | 'unsubscribe' | 'publish',
// a net server plus websocket-stream on an http server). ESM without semicolons.

import { createServer } from 'node:net'
import http from 'node:http'

import { Aedes } from 'aedes'
import Redis from 'ioredis'
import { LRUCache } from 'lru-cache'
import bcrypt from 'bcryptjs'
import { createWebSocketStream, WebSocketServer } from 'ws'

const aedes = await Aedes.createBroker({ heartbeatInterval: 60_000, connectTimeout: 30_000 })

const redis = new Redis(process.env.REDIS_URL) // ok: resource-per-request
const aclCache = new LRUCache({ max: 10_000, ttl: 5 * 60_000 })
const connected = new Map()
const offlineSince = new Map()
const bridgeTopics = ['telemetry/', 'alerts/']

globalThis.__brokerId ??= aedes.id // ok: global-growth
globalThis.__retainedCounts ??= {} // ok: global-growth

async function aclFor (username) {
  let acl = aclCache.get(username)
  if (!acl) {
    acl = JSON.parse((await redis.hget('mqtt:acl', username)) ?? '{"pub":[],"sub":[]}')
    aclCache.set(username, acl) // ok: unbounded-cache
  }
  return acl
}

function allowed (patterns, topic) {
  return patterns.some((p) => p === '#' || topic === p || (p.endsWith('/#') && topic.startsWith(p.slice(0, -1))))
}

aedes.authenticate = (client, username, password, callback) => { // ok: closure-capture
  const lookup = new Redis(process.env.REDIS_URL) // leak: resource-per-request
  lookup.hget('mqtt:users', username)
    .then((hash) => callback(null, Boolean(hash) && bcrypt.compareSync(String(password), hash)))
    .catch((err) => callback(err, false))
  client.username = username
}

aedes.authorizePublish = (client, packet, callback) => { // ok: closure-capture
  if (!client) return callback(null)
  aclFor(client.username)
    .then((acl) => callback(allowed(acl.pub, packet.topic) ? null : new Error('publish not allowed')))
    .catch(callback)
}

aedes.authorizeSubscribe = (client, sub, callback) => { // ok: closure-capture
  aclFor(client.username)
    .then((acl) => callback(null, allowed(acl.sub, sub.topic) ? sub : null))
    .catch(callback)
}

aedes.on('client', (client) => { // ok: listener-leak
  connected.set(client.id, { username: client.username, since: Date.now() }) // ok: unbounded-collection
  offlineSince.delete(client.id)

  const quota = { count: 0, windowStart: Date.now() }
  const previousAuthorize = aedes.authorizePublish
  aedes.authorizePublish = (c, packet, callback) => { // leak: closure-capture
    if (c && c.id === client.id) {
      if (Date.now() - quota.windowStart > 60_000) Object.assign(quota, { count: 0, windowStart: Date.now() })
      if (++quota.count > 600) return callback(new Error(`rate limit for ${client.username}`))
    }
    return previousAuthorize(c, packet, callback)
  }
})

aedes.on('clientDisconnect', (client) => { // ok: listener-leak
  connected.delete(client.id)
  offlineSince.set(client.id, Date.now()) // leak: unbounded-collection
})

aedes.on('clientError', (client, err) => { // ok: listener-leak
  console.warn('client error', client.id, err.message)
})

aedes.on('subscribe', (subscriptions, client) => {
  for (const { topic } of subscriptions) {
    if (!bridgeTopics.some((prefix) => topic.startsWith(prefix))) continue
    const deliver = (packet, cb) => {
      redis.publish(`bridge:${packet.topic}`, packet.payload).finally(cb)
    }
    aedes.mq.on(topic, deliver) // leak: listener-leak
    client.mirrors ??= new Map()
    client.mirrors.set(topic, deliver) // ok: unbounded-collection
  }
})

aedes.on('unsubscribe', (topics, client) => {
  for (const topic of topics) {
    const deliver = client.mirrors?.get(topic)
    if (!deliver) continue
    aedes.mq.removeListener(topic, deliver)
    client.mirrors.delete(topic)
  }
})

aedes.on('publish', (packet, client) => { // ok: listener-leak
  if (!client) return
  if (packet.retain) {
    globalThis.__retainedCounts[packet.topic] = (globalThis.__retainedCounts[packet.topic] ?? 0) + 1 // leak: global-growth
  }
})

const stats = setInterval(() => { // ok: timer-leak
  aedes.publish({ topic: '$SYS/clients', payload: Buffer.from(String(connected.size)), qos: 0, retain: false }, () => {})
}, 10_000)
stats.unref()

const tcp = createServer(aedes.handle)
tcp.listen(Number(process.env.MQTT_PORT ?? 1883))

const httpServer = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok')
  const body = JSON.stringify([...connected.entries()].map(([id, info]) => ({ id, ...info })))
  res.setHeader('content-type', 'application/json')
  res.end(body)
})
const wss = new WebSocketServer({ server: httpServer }) // ok: resource-per-request
wss.on('connection', (ws) => { // ok: listener-leak
  aedes.handle(createWebSocketStream(ws))
})
httpServer.listen(Number(process.env.WS_PORT ?? 8888))

const shutdown = () => {
  clearInterval(stats)
  tcp.close()
  httpServer.close()
  aedes.close(() => redis.quit())
}
process.once('SIGTERM', shutdown) // ok: listener-leak
process.once('SIGINT', shutdown)

export { aedes }
