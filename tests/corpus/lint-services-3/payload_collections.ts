import type { CollectionAfterChangeHook, CollectionBeforeChangeHook, CollectionConfig, Endpoint, PayloadRequest } from 'payload'
import { getPayload } from 'payload'
import { EventEmitter, once } from 'node:events'
import { Pool } from 'pg'
import Stripe from 'stripe'
import { revalidatePath, revalidateTag } from 'next/cache'
import config from '@payload-config'

// ---------------------------------------------------------------------------
// src/lib/payload.ts
// ---------------------------------------------------------------------------
const globalForPayload = globalThis as unknown as {
  payloadClient?: Awaited<ReturnType<typeof getPayload>>
  recentEdits?: { slug: string; userId?: string | number; at: number }[]
}

export async function getPayloadClient() {
  globalForPayload.payloadClient ??= await getPayload({ config }) // ok: global-growth
  return globalForPayload.payloadClient
}

export const searchEvents = new EventEmitter()

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-06-20' }) // ok: resource-per-request

const reportPool = new Pool({ connectionString: process.env.DATABASE_URI, max: 4 }) // ok: resource-per-request

// ---------------------------------------------------------------------------
// src/collections/Posts/hooks
// ---------------------------------------------------------------------------
const scheduledAnnouncements = new Map<string, () => Promise<void>>()

const populateSlug: CollectionBeforeChangeHook = async ({ data, operation, req }) => {
  if (operation === 'create' && data.title && !data.slug) {
    data.slug = String(data.title).toLowerCase().replace(/[^a-z0-9]+/g, '-')
  }
  globalForPayload.recentEdits ??= [] // ok: global-growth
  globalForPayload.recentEdits.push({ slug: data.slug, userId: req.user?.id, at: Date.now() }) // leak: global-growth
  return data
}

const revalidatePost: CollectionAfterChangeHook = async ({ doc, previousDoc, req }) => {
  if (doc._status === 'published') {
    req.payload.logger.info(`Revalidating post at path: /posts/${doc.slug}`)
    revalidatePath(`/posts/${doc.slug}`)
    revalidateTag('posts-sitemap')
  }
  if (previousDoc?._status === 'published' && doc._status !== 'published') {
    revalidatePath(`/posts/${previousDoc.slug}`)
  }
  return doc
}

const announceWhenLive: CollectionAfterChangeHook = async ({ doc, req, operation }) => {
  if (operation !== 'update' || !doc.announce || !doc.publishedAt) {
    return doc
  }
  const key = `${doc.id}:${doc.updatedAt}`
  scheduledAnnouncements.set(key, async () => { // leak: closure-capture, unbounded-collection
    await req.payload.sendEmail({ to: req.user?.email, subject: `Live: ${doc.title}`, html: `<p>${doc.title} is live.</p><pre>${JSON.stringify(doc.content)}</pre>` })
  })
  if (doc._status === 'published') {
    await req.payload.jobs.queue({ task: 'runAnnouncement', input: { key }, waitUntil: new Date(doc.publishedAt) })
  }
  return doc
}

const reindexSearch: CollectionAfterChangeHook = async ({ doc, req }) => {
  await req.payload.jobs.queue({ task: 'reindexPost', input: { postId: doc.id } })
  if (req.query?.waitForIndex) {
    const [id] = await once(searchEvents, 'reindexed', { signal: AbortSignal.timeout(10_000) }).catch(() => [null]) // ok: listener-leak
    req.payload.logger.info(`Search index updated for ${doc.slug}: ${id === doc.id}`)
  }
  return doc
}

export const runAnnouncement = async ({ input }: { input: { key: string } }) => {
  const announce = scheduledAnnouncements.get(input.key)
  scheduledAnnouncements.delete(input.key)
  await announce?.()
  return { output: { sent: Boolean(announce) } }
}

// ---------------------------------------------------------------------------
// src/collections/Orders/endpoints
// ---------------------------------------------------------------------------
const revenueReport: Endpoint = {
  path: '/report/revenue',
  method: 'get',
  handler: async (req: PayloadRequest) => {
    if (!req.user) {
      return Response.json({ error: 'Unauthorized' }, { status: 401 })
    }
    const { rows } = await reportPool.query('SELECT date_trunc($1, created_at) AS bucket, sum(total) FROM orders GROUP BY 1 ORDER BY 1', [req.query.period ?? 'day'])
    return Response.json({ rows })
  },
}

const tenantExport: Endpoint = {
  path: '/export/:tenant',
  method: 'get',
  handler: async (req: PayloadRequest) => {
    const tenant = await req.payload.findByID({ collection: 'tenants', id: String(req.routeParams?.tenant) })
    const tenantPool = new Pool({ connectionString: tenant.databaseUri as string }) // leak: resource-per-request
    const { rows } = await tenantPool.query('SELECT * FROM orders WHERE created_at > now() - interval \'30 days\'')
    return Response.json({ rows })
  },
}

const refund: Endpoint = {
  path: '/:id/refund',
  method: 'post',
  handler: async (req: PayloadRequest) => {
    const order = await req.payload.findByID({ collection: 'orders', id: String(req.routeParams?.id) })
    const result = await stripe.refunds.create({ payment_intent: order.paymentIntent as string })
    await req.payload.update({ collection: 'orders', id: order.id, data: { status: 'refunded' } })
    return Response.json({ refund: result.id })
  },
}

export const Posts: CollectionConfig = {
  slug: 'posts',
  versions: { drafts: true },
  hooks: {
    beforeChange: [populateSlug],
    afterChange: [revalidatePost, announceWhenLive, reindexSearch],
  },
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'slug', type: 'text', index: true },
    { name: 'content', type: 'richText' },
    { name: 'announce', type: 'checkbox' },
    { name: 'publishedAt', type: 'date' },
  ],
}

export const Orders: CollectionConfig = {
  slug: 'orders',
  endpoints: [revenueReport, tenantExport, refund],
  fields: [
    { name: 'total', type: 'number' },
    { name: 'paymentIntent', type: 'text' },
    { name: 'status', type: 'select', options: ['paid', 'refunded'] },
  ],
}
