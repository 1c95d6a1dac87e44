// api/src/lib/db.ts, api/src/functions/*.ts and api/src/services/orders/orders.ts of a Redwood app,
// deployed as serverless functions (state at module level survives warm starts)
import type { APIGatewayEvent, Context } from 'aws-lambda'
import { PrismaClient } from '@prisma/client'
import { emitLogLevels, handlePrismaLogging } from '@redwoodjs/api/logger'
import { createGraphQLHandler } from '@redwoodjs/graphql-server'
import { verifyEvent, WebhookVerificationError } from '@redwoodjs/api/webhooks'
import type { QueryResolvers, MutationResolvers, OrderRelationResolvers } from 'types/graphql'

import directives from 'src/directives/**/*.{js,ts}'
import sdls from 'src/graphql/**/*.sdl.{js,ts}'
import services from 'src/services/**/*.{js,ts}'
import { getCurrentUser } from 'src/lib/auth'
import { logger } from 'src/lib/logger'
import { requireAuth } from 'src/lib/auth'

declare global {
  // eslint-disable-next-line no-var
  var __rwPrisma: PrismaClient | undefined
  // eslint-disable-next-line no-var
  var __rwDeliveries: Record<string, number> | undefined
}

/*
 * Instance of the Prisma Client; kept on globalThis so the dev server's reloads reuse it
 */
export const db = (globalThis.__rwPrisma ??= new PrismaClient({ log: emitLogLevels(['info', 'warn', 'error']) })) // ok: global-growth

handlePrismaLogging({ db, logger, logLevels: ['info', 'warn', 'error'] })

db.$on('query' as never, (e: { duration: number; query: string }) => { // ok: listener-leak
  if (e.duration > 500) logger.warn({ ms: e.duration }, 'slow query')
})

// --- services/orders/orders.ts --------------------------------------------------------

const REPLICA_URL = process.env.READ_REPLICA_URL

const rateCache = new Map<string, { value: number; at: number }>()
const RATE_CACHE_MAX = 500

async function exchangeRate(currency: string): Promise<number> {
  const hit = rateCache.get(currency)
  if (hit && Date.now() - hit.at < 10 * 60 * 1000) return hit.value
  const value = await fetch(`https://rates.example.com/${currency}`).then((r) => r.json()).then((j) => j.rate)
  if (rateCache.size >= RATE_CACHE_MAX) rateCache.delete(rateCache.keys().next().value!)
  rateCache.set(currency, { value, at: Date.now() }) // ok: unbounded-cache
  return value
}

export const orders: QueryResolvers['orders'] = async ({ status }) => {
  requireAuth({ roles: ['admin'] })
  // reports read from the replica when one is configured
  const reader = REPLICA_URL ? new PrismaClient({ datasources: { db: { url: REPLICA_URL } } }) : db // leak: resource-per-request
  return reader.order.findMany({ where: { status }, orderBy: { createdAt: 'desc' }, take: 200 })
}

export const order: QueryResolvers['order'] = ({ id }) => {
  return db.order.findUnique({ where: { id } })
}

export const exportOrders: MutationResolvers['exportOrders'] = async ({ from, to }) => {
  requireAuth({ roles: ['admin'] })
  const replica = new PrismaClient({ datasources: { db: { url: REPLICA_URL ?? process.env.DATABASE_URL } } }) // ok: resource-per-request
  try {
    const rows = await replica.order.findMany({ where: { createdAt: { gte: from, lte: to } } })
    const lines: string[] = [] // ok: unbounded-collection
    for (const row of rows) lines.push(`${row.id},${row.total},${row.currency}`) // ok: unbounded-collection
    return lines.join('\n')
  } finally {
    await replica.$disconnect()
  }
}

export const Order: OrderRelationResolvers = {
  customer: (_obj, { root }) => db.order.findUnique({ where: { id: root?.id } }).customer(),
  totalInEur: async (_obj, { root }) => (root.currency === 'EUR' ? root.total : root.total * (await exchangeRate(root.currency))),
}

// --- functions/graphql.ts --------------------------------------------------------------

export const handler = createGraphQLHandler({
  getCurrentUser,
  loggerConfig: { logger, options: {} },
  directives,
  sdls,
  services,
  onException: () => { // ok: closure-capture
    // Disconnect from your database with an unhandled exception.
    db.$disconnect()
  },
})

// --- functions/stripeWebhook.ts --------------------------------------------------------

type Delivery = { id: string; type: string; receivedAt: number; body: string }

// every delivery this warm instance has handled, for the debug endpoint
const deliveries: Delivery[] = []
let metricsBuffer: Array<{ name: string; value: number }> = []

function flushMetrics() {
  if (metricsBuffer.length === 0) return
  logger.info({ metrics: metricsBuffer }, 'webhook metrics')
  metricsBuffer = []
}

export const stripeWebhook = async (event: APIGatewayEvent, _context: Context) => {
  const deliveryId = event.headers['stripe-delivery-id'] ?? event.requestContext.requestId

  // metrics are flushed every second while the function is warm
  const flusher = setInterval(flushMetrics, 1000) // leak: timer-leak
  flusher.unref?.()

  const verifyDeadline = setTimeout(() => logger.warn({ deliveryId }, 'verification is slow'), 2000) // ok: timer-leak
  try {
    verifyEvent('timestampSchemeVerifier', { event, secret: process.env.STRIPE_WEBHOOK_SECRET, options: { signatureHeader: 'stripe-signature' } })
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      return { statusCode: 401 }
    }
    throw error
  } finally {
    clearTimeout(verifyDeadline)
  }

  globalThis.__rwDeliveries ??= {}
  if (globalThis.__rwDeliveries[deliveryId]) {
    return { statusCode: 200, body: JSON.stringify({ duplicate: true }) }
  }
  globalThis.__rwDeliveries[deliveryId] = Date.now() // leak: global-growth

  const body = JSON.parse(event.body ?? '{}')
  deliveries.push({ id: deliveryId, type: body.type, receivedAt: Date.now(), body: event.body ?? '' }) // leak: unbounded-collection
  metricsBuffer.push({ name: `stripe.${body.type}`, value: 1 }) // ok: unbounded-collection

  if (body.type === 'checkout.session.completed') {
    await db.order.update({ where: { stripeSessionId: body.data.object.id }, data: { status: 'PAID' } })
  }
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ received: true }) }
}

export const deliveriesDebug = async (_event: APIGatewayEvent) => {
  return { statusCode: 200, body: JSON.stringify(deliveries.slice(-20).map(({ id, type, receivedAt }) => ({ id, type, receivedAt }))) }
}

// --- functions/health.ts ---------------------------------------------------------------

export const health = async () => {
  const started = Date.now()
  const probe = setTimeout(() => logger.warn('health probe is slow'), 1000) // ok: timer-leak
  try {
    await db.$queryRaw`SELECT 1`
    return { statusCode: 200, body: JSON.stringify({ ok: true, ms: Date.now() - started }) }
  } finally {
    clearTimeout(probe)
  }
}
