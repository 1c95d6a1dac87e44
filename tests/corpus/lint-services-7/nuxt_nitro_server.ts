// Nuxt 3 / Nitro server directory style: server/utils (auto-imported helpers, a Prisma client kept
// on globalThis for dev hot reload), server/plugins (defineNitroPlugin, runs once at boot,
// nitroApp.hooks.hook('request' | 'afterResponse' | 'close')), server/api handlers made with
// defineEventHandler (one call per request), server/routes with SSE through event.node.res,
// useStorage() for cached data, defineCachedFunction for SWR caching.
import { PrismaClient } from '@prisma/client';
import { defineEventHandler, getQuery, readBody, createError, getRouterParam, setResponseHeader, H3Event } from 'h3';
import { defineNitroPlugin, useStorage, defineCachedFunction, useRuntimeConfig } from '#imports';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import Stripe from 'stripe';

// ---- server/utils/prisma.ts --------------------------------------------------------------
declare global {
  // eslint-disable-next-line no-var
  var __prisma: PrismaClient | undefined;
  // eslint-disable-next-line no-var
  var __nitroRequestLog: Array<{ url: string; at: number; headers: Record<string, unknown> }> | undefined;
  // eslint-disable-next-line no-var
  var __onOrderPaid: ((orderId: string) => void) | undefined;
}

export const prisma = globalThis.__prisma ?? new PrismaClient(); // ok: resource-per-request
if (process.env.NODE_ENV !== 'production') globalThis.__prisma = prisma; // ok: global-growth

// ---- server/utils/events.ts -------------------------------------------------------------
export const orderEvents = new EventEmitter();
orderEvents.setMaxListeners(0);

// ---- server/utils/stripe.ts -------------------------------------------------------------
let stripeClient: Stripe | undefined;
export function useStripe(): Stripe {
  if (!stripeClient) stripeClient = new Stripe(useRuntimeConfig().stripeSecret, { apiVersion: '2023-10-16' }); // ok: resource-per-request
  return stripeClient;
}

export function stripeForAccount(accountId: string): Stripe {
  return new Stripe(useRuntimeConfig().stripeSecret, { apiVersion: '2023-10-16', stripeAccount: accountId }); // leak: resource-per-request
}

// ---- server/utils/cached.ts -------------------------------------------------------------
export const getProduct = defineCachedFunction(async (_event: H3Event, id: string) => { // ok: unbounded-cache
  return prisma.product.findUnique({ where: { id } });
}, { maxAge: 60, name: 'product', getKey: (_e: H3Event, id: string) => id });

const priceMemo = new Map<string, { value: number; at: number }>();
export async function priceFor(productId: string, currency: string) {
  const key = `${productId}:${currency}`;
  const hit = priceMemo.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.value;
  const p = await prisma.price.findFirst({ where: { productId, currency } });
  priceMemo.set(key, { value: p?.amount ?? 0, at: Date.now() }); // leak: unbounded-cache
  return p?.amount ?? 0;
}

// ---- server/plugins/redis.ts ------------------------------------------------------------
export const redisPlugin = defineNitroPlugin((nitroApp) => {
  const redis = new Redis(useRuntimeConfig().redisUrl); // ok: resource-per-request
  const sub = redis.duplicate(); // ok: resource-per-request
  sub.subscribe('orders:paid');
  sub.on('message', (_channel, orderId) => orderEvents.emit('paid', orderId)); // ok: listener-leak

  const sweep = setInterval(() => { // ok: timer-leak
    const now = Date.now();
    for (const [k, v] of priceMemo) if (now - v.at > 60_000) priceMemo.delete(k);
  }, 5 * 60_000);

  nitroApp.hooks.hook('close', async () => {
    clearInterval(sweep);
    await sub.quit();
    await redis.quit();
  });
});

// ---- server/plugins/request-log.ts ------------------------------------------------------
export const requestLogPlugin = defineNitroPlugin((nitroApp) => {
  const recent: string[] = [];
  nitroApp.hooks.hook('request', (event) => {
    recent.push(event.path); // ok: unbounded-collection
    if (recent.length > 200) recent.shift();
    globalThis.__nitroRequestLog ??= [];
    globalThis.__nitroRequestLog.push({ url: event.path, at: Date.now(), headers: event.node.req.headers }); // leak: global-growth
  });
  nitroApp.hooks.hook('afterResponse', (event) => {
    event.context.startedAt = undefined;
  });
  const onPaid = (orderId: string) => console.info(`[orders] ${orderId} paid`);
  globalThis.__onOrderPaid = onPaid; // ok: closure-capture
  orderEvents.on('paid', (id) => globalThis.__onOrderPaid?.(id)); // ok: listener-leak
});

// ---- server/api/orders/[id].get.ts ------------------------------------------------------
export const getOrder = defineEventHandler(async (event) => {
  const id = getRouterParam(event, 'id')!;
  const order = await prisma.order.findUnique({ where: { id }, include: { items: true } });
  if (!order) throw createError({ statusCode: 404, statusMessage: 'Order not found' });
  const storage = useStorage('cache');
  await storage.setItem(`order:${id}:viewed`, Date.now(), { ttl: 3600 }); // ok: unbounded-cache
  return order;
});

// ---- server/api/orders/index.post.ts ----------------------------------------------------
export const createOrder = defineEventHandler(async (event) => {
  const body = await readBody<{ items: Array<{ productId: string; qty: number }>; accountId?: string }>(event);
  const lines = [];
  for (const item of body.items) {
    const price = await priceFor(item.productId, 'eur');
    lines.push({ ...item, price }); // ok: unbounded-collection
  }
  const order = await prisma.order.create({ data: { items: { create: lines } } });
  const stripe = body.accountId ? stripeForAccount(body.accountId) : useStripe();
  const intent = await stripe.paymentIntents.create({ amount: lines.reduce((s, l) => s + l.price * l.qty, 0), currency: 'eur' });

  const previous = globalThis.__onOrderPaid;
  globalThis.__onOrderPaid = (orderId: string) => { // leak: closure-capture
    previous?.(orderId);
    if (orderId === order.id) console.info(`[orders] ${order.id} paid with ${lines.length} lines`);
  };
  return { order, clientSecret: intent.client_secret };
});

// ---- server/routes/orders/[id]/events.ts (SSE) ------------------------------------------
export const orderStream = defineEventHandler(async (event) => {
  const id = getRouterParam(event, 'id')!;
  setResponseHeader(event, 'content-type', 'text/event-stream');
  const res = event.node.res;
  const onPaid = (orderId: string) => { if (orderId === id) res.write(`event: paid\ndata: ${id}\n\n`); };
  orderEvents.on('paid', onPaid); // ok: listener-leak
  const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000); // ok: timer-leak
  event.node.req.on('close', () => { // ok: listener-leak
    clearInterval(keepAlive);
    orderEvents.off('paid', onPaid);
  });
  event._handled = true;
});

// ---- server/routes/orders/[id]/wait.ts (long poll) --------------------------------------
export const orderWait = defineEventHandler(async (event) => {
  const id = getRouterParam(event, 'id')!;
  const { timeout } = getQuery(event);
  const paid = await new Promise<boolean>((resolve) => {
    const onPaid = (orderId: string) => { if (orderId === id) resolve(true); };
    orderEvents.on('paid', onPaid); // leak: listener-leak
    setTimeout(() => resolve(false), Number(timeout) || 20_000); // ok: timer-leak
  });
  return { paid };
});

// ---- server/api/admin/flags.post.ts -----------------------------------------------------
const flagWatchers: Record<string, NodeJS.Timeout> = {};
export const setFlag = defineEventHandler(async (event) => {
  const { name, value } = await readBody<{ name: string; value: boolean }>(event);
  await useStorage('flags').setItem(name, value);
  if (flagWatchers[name]) clearInterval(flagWatchers[name]);
  flagWatchers[name] = setInterval(async () => { // ok: timer-leak
    const v = await useStorage('flags').getItem(name);
    if (v !== value) console.warn(`flag ${name} drifted`);
  }, 60_000);
  return { ok: true };
});
