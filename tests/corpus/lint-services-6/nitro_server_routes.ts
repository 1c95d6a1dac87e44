// Server side of a Nuxt 3 app in the style of Nitro (server/plugins/*.ts with
// defineNitroPlugin((nitroApp) => nitroApp.hooks.hook('request' | 'afterResponse' | 'close')),
// server/api/*.ts with defineEventHandler, useStorage() for KV with TTL, server/utils helpers
// auto-imported, useRuntimeConfig). TypeScript; several server files gathered here.
import { defineNitroPlugin, useStorage, useRuntimeConfig } from 'nitropack/runtime';
import { defineEventHandler, getQuery, readBody, getRouterParam, setResponseHeader, createEventStream, type H3Event } from 'h3';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { EventEmitter } from 'node:events';

// ---- server/utils/db.ts: one sql client for the server process
let sql: ReturnType<typeof postgres> | undefined;
export function useDb() {
  sql ??= postgres(useRuntimeConfig().databaseUrl, { max: 10 }); // ok: resource-per-request
  return sql;
}

// ---- server/utils/events.ts
export const serverEvents = new EventEmitter();

// ---- server/utils/formatters.ts: one formatter per locale; the set of locales is fixed
const formatters = new Map<string, Intl.NumberFormat>();
export function currency(locale: 'en' | 'de' | 'fr', n: number) {
  if (!formatters.has(locale)) formatters.set(locale, new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' })); // ok: unbounded-cache
  return formatters.get(locale)!.format(n);
}

// ---- server/utils/guards.ts: guards composed once at start-up, replaced on config reload
let guard: (event: H3Event) => boolean = () => true;
export function setGuard(check: (ip: string) => boolean) {
  guard = (event) => check(event.node.req.socket.remoteAddress ?? ''); // ok: closure-capture
}
export function makeLogger(prefix: string) {
  return (msg: string) => console.log(`[${prefix}] ${msg}`); // ok: closure-capture
}

// per-request middleware chain: each request composes onto the stored chain
let onRequestChain: (event: H3Event) => void = () => {};
export function useRequestHook(fn: (event: H3Event) => void, event: H3Event) {
  const before = onRequestChain;
  onRequestChain = (e) => { before(e); fn(e); void event.path; }; // leak: closure-capture
}

// ---- server/plugins/metrics.ts: runs once
export const metricsPlugin = defineNitroPlugin((nitroApp) => {
  const log = makeLogger('metrics');
  const counts = new Map<string, number>();
  const flush = setInterval(() => { // ok: timer-leak
    log(JSON.stringify(Object.fromEntries(counts)));
    counts.clear();
  }, 60_000);
  nitroApp.hooks.hook('request', (event) => { // ok: listener-leak
    if (!guard(event)) throw new Error('blocked');
    onRequestChain(event);
    const route = event.path.split('?')[0];
    counts.set(route, (counts.get(route) ?? 0) + 1); // ok: unbounded-collection
  });
  nitroApp.hooks.hook('close', () => clearInterval(flush)); // ok: listener-leak
});

// ---- server/plugins/request-ids.ts: every request id is remembered forever
const seenRequestIds: string[] = [];
export const requestIdPlugin = defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('afterResponse', (event) => { // ok: listener-leak
    seenRequestIds.push(String(event.node.req.headers['x-request-id'] ?? '')); // leak: unbounded-collection
  });
});

// ---- server/api/products/[id].get.ts: cached in storage with a TTL
export const getProduct = defineEventHandler(async (event) => {
  const id = getRouterParam(event, 'id')!;
  const storage = useStorage('cache');
  const hit = await storage.getItem(`product:${id}`);
  if (hit) return hit;
  const [row] = await useDb()`select * from products where id = ${id}`;
  await storage.setItem(`product:${id}`, row, { ttl: 300 }); // ok: unbounded-cache
  return row;
});

// ---- server/api/search.get.ts: results memoised per query string in a module Map
const searchMemo = new Map<string, unknown[]>();
export const search = defineEventHandler(async (event) => {
  const q = String(getQuery(event).q ?? '');
  if (searchMemo.has(q)) return searchMemo.get(q);
  const rows = await useDb()`select id, name from products where name ilike ${'%' + q + '%'} limit 20`;
  searchMemo.set(q, rows); // leak: unbounded-cache
  return rows;
});

// ---- server/api/cart.post.ts
export const addToCart = defineEventHandler(async (event) => {
  const body = await readBody<{ cartId: string; productId: string }>(event);
  // a redis connection per request to bump the cart counter
  const redis = new Redis(useRuntimeConfig().redisUrl); // leak: resource-per-request
  await redis.hincrby(`cart:${body.cartId}`, body.productId, 1);
  serverEvents.emit('cart', body);
  useRequestHook((e) => { if (e.path.startsWith('/api/cart')) serverEvents.emit('cart-touch', body.cartId); }, event);
  return { ok: true };
});

// ---- server/api/cart-v2.post.ts: the same, with quit()
export const addToCartV2 = defineEventHandler(async (event) => {
  const body = await readBody<{ cartId: string; productId: string }>(event);
  const redis = new Redis(useRuntimeConfig().redisUrl); // ok: resource-per-request
  try {
    await redis.hincrby(`cart:${body.cartId}`, body.productId, 1);
  } finally {
    await redis.quit();
  }
  return { ok: true };
});

// ---- server/api/cart/stream.get.ts: SSE with the event stream helper
export const cartStream = defineEventHandler(async (event) => {
  const stream = createEventStream(event);
  const onCart = (body: unknown) => void stream.push(JSON.stringify(body));
  serverEvents.on('cart', onCart); // ok: listener-leak
  const ping = setInterval(() => void stream.push('ping'), 15_000); // ok: timer-leak
  stream.onClosed(async () => {
    serverEvents.off('cart', onCart);
    clearInterval(ping);
    await stream.close();
  });
  return stream.send();
});

// ---- server/api/cart/stream-legacy.get.ts: closes the stream but keeps the listener
export const cartStreamLegacy = defineEventHandler(async (event) => {
  const stream = createEventStream(event);
  serverEvents.on('cart', (body) => void stream.push(JSON.stringify(body))); // leak: listener-leak
  stream.onClosed(() => stream.close());
  return stream.send();
});

// ---- server/api/export.post.ts: progress ticker cleared only when the export succeeds
export const exportOrders = defineEventHandler(async (event) => {
  setResponseHeader(event, 'content-type', 'application/json');
  const ticker = setInterval(() => serverEvents.emit('export-progress'), 1000); // leak: timer-leak
  const rows = await useDb()`select * from orders limit 50000`;
  clearInterval(ticker);
  return rows;
});

// ---- server/api/visit.post.ts
export const visit = defineEventHandler(async (event) => {
  const { path } = await readBody<{ path: string }>(event);
  const g = globalThis as any;
  g.__visitsByPath ??= {};
  g.__visitsByPath[path] = (g.__visitsByPath[path] ?? 0) + 1; // leak: global-growth
  g.__lastVisit = path; // ok: global-growth
  return { ok: true };
});

// ---- server/api/report.get.ts: a per-request formatter is fine
export const report = defineEventHandler(async (event) => {
  const locale = (getQuery(event).locale as 'en' | 'de' | 'fr') ?? 'en';
  const fmt = (n: number) => currency(locale, n); // ok: closure-capture
  const rows = await useDb()`select total from orders order by created_at desc limit 10`;
  return rows.map((r: any) => fmt(r.total));
});
