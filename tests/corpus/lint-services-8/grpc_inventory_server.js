'use strict'

// @grpc/grpc-js server style (after grpc-node's examples/routeguide and services built on it:
// protoLoader.loadSync + grpc.loadPackageDefinition, a plain object of handlers passed to
// server.addService once, unary (call, callback), server-streaming call.write / 'cancelled',
// client-streaming call.on('data' | 'end'), server.bindAsync, tryShutdown on SIGTERM, clients to
// other services made from the same package definition). CommonJS, standard style.

const path = require('path')
const { EventEmitter } = require('events')

const grpc = require('@grpc/grpc-js')
const protoLoader = require('@grpc/proto-loader')
const { LRUCache } = require('lru-cache')

const db = require('./db')

const packageDefinition = protoLoader.loadSync(path.join(__dirname, 'protos/inventory.proto'), {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true
})
const proto = grpc.loadPackageDefinition(packageDefinition)

const stockEvents = new EventEmitter()
stockEvents.setMaxListeners(0)
const skuCache = new LRUCache({ max: 20000, ttl: 60 * 1000 })
const warehouses = {}
const auditSink = { write: (entry) => db.audit.insert(entry) }

global.__inventoryStartedAt = global.__inventoryStartedAt || Date.now() // ok: global-growth
global.__grpcPeers = global.__grpcPeers || {} // ok: global-growth

const sharedPricing = new proto.pricing.Pricing(process.env.PRICING_ADDR, grpc.credentials.createInsecure()) // ok: resource-per-request

let lowStockAlert = (sku, qty) => console.warn('low stock', sku, qty) // ok: closure-capture

function pricingClient () {
  return new proto.pricing.Pricing(process.env.PRICING_ADDR, grpc.credentials.createInsecure()) // leak: resource-per-request
}

async function skuInfo (sku) {
  let info = skuCache.get(sku)
  if (!info) {
    info = await db.skus.findOne({ sku })
    skuCache.set(sku, info) // ok: unbounded-cache
  }
  return info
}

function getStock (call, callback) {
  skuInfo(call.request.sku)
    .then((info) => callback(null, { sku: call.request.sku, quantity: info ? info.quantity : 0 }))
    .catch((err) => callback({ code: grpc.status.INTERNAL, details: err.message }))
}

function reserve (call, callback) {
  const { sku, quantity, order_id: orderId } = call.request
  global.__grpcPeers[call.getPeer()] = Date.now() // leak: global-growth

  const tenant = call.metadata.get('x-tenant')[0] || 'default'
  const previousWrite = auditSink.write
  auditSink.write = (entry) => { // leak: closure-capture
    previousWrite(entry)
    if (entry.sku === sku) db.audit.insert({ ...entry, tenant, orderId, peer: call.getPeer() })
  }

  pricingClient().quote({ sku, quantity }, async (err, quote) => {
    if (err) return callback(err)
    const left = await db.skus.decrement(sku, quantity)
    auditSink.write({ sku, quantity, price: quote.total, at: Date.now() })
    stockEvents.emit('change', { sku, quantity: left })
    if (left < 10) lowStockAlert(sku, left)
    callback(null, { order_id: orderId, price: quote.total, remaining: left })
  })
}

function reserveWithQuote (call, callback) {
  const client = new proto.pricing.Pricing(process.env.PRICING_ADDR, grpc.credentials.createInsecure()) // ok: resource-per-request
  const deadline = new Date(Date.now() + 2000)
  client.quote(call.request, { deadline }, (err, quote) => {
    client.close()
    if (err) return callback(err)
    callback(null, { order_id: call.request.order_id, price: quote.total, remaining: -1 })
  })
}

function watchStock (call) {
  const { skus } = call.request
  const onChange = (change) => {
    if (skus.length === 0 || skus.includes(change.sku)) call.write(change)
  }
  stockEvents.on('change', onChange) // leak: listener-leak
  call.on('error', () => stockEvents.removeListener('change', onChange))

  lowStockAlert = ((previous) => (sku, qty) => { // leak: closure-capture
    previous(sku, qty)
    if (skus.includes(sku)) call.write({ sku, quantity: qty, low: true })
  })(lowStockAlert)
}

function watchPrices (call) {
  const onChange = (change) => call.write({ sku: change.sku, quantity: change.quantity })
  stockEvents.on('change', onChange) // ok: listener-leak
  const heartbeat = setInterval(() => call.write({ sku: '', quantity: -1 }), 15000) // ok: timer-leak
  const stop = () => {
    clearInterval(heartbeat)
    stockEvents.removeListener('change', onChange)
  }
  call.once('cancelled', stop) // ok: listener-leak
  call.once('close', stop) // ok: listener-leak
}

function bulkUpdate (call, callback) {
  const updates = []
  call.on('data', (update) => { // ok: listener-leak
    updates.push(update) // ok: unbounded-collection
  })
  call.on('end', async () => { // ok: listener-leak
    try {
      for (const { sku, quantity } of updates) {
        await db.skus.set(sku, quantity)
        skuCache.delete(sku)
        stockEvents.emit('change', { sku, quantity })
      }
      callback(null, { updated: updates.length })
    } catch (err) {
      callback({ code: grpc.status.INTERNAL, details: err.message })
    }
  })
}

function main () {
  for (const w of require('./warehouses.json')) {
    warehouses[w.code] = w // ok: unbounded-collection
  }

  const server = new grpc.Server({ 'grpc.keepalive_time_ms': 30000 })
  server.addService(proto.inventory.Inventory.service, { // ok: closure-capture
    getStock, reserve, reserveWithQuote, watchStock, watchPrices, bulkUpdate
  })
  server.bindAsync(`0.0.0.0:${process.env.PORT || 50051}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err
    console.log(`inventory listening on ${port}`)
  })

  process.once('SIGTERM', () => { // ok: listener-leak
    server.tryShutdown(() => {
      sharedPricing.close()
      process.exit(0)
    })
  })
}

if (require.main === module) main()

module.exports = { main, reserve, watchStock }
