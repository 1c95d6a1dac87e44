// src/hooks.server.ts of the storefront (SvelteKit 2, adapter-node), with the server-only
// helpers from $lib/server that the +server.ts and +page.server.ts files call.
import type { Handle, HandleFetch, HandleServerError, RequestEvent } from '@sveltejs/kit';
import { error } from '@sveltejs/kit';
import { createHash } from 'node:crypto';
import { env } from '$env/dynamic/private';
import { sessions, orders, flags as flagStore } from '$lib/server/db';

type OrderUpdate = { orderId: string; status: string };

declare global {
  // eslint-disable-next-line no-var
  var __liveStreams: Set<ReadableStreamDefaultController<string>> | undefined;
  // eslint-disable-next-line no-var
  var __rateBuckets: Map<string, { count: number; windowStart: number }> | undefined;
}

const liveStreams = (globalThis.__liveStreams ??= new Set()); // ok: global-growth
const rateBuckets = (globalThis.__rateBuckets ??= new Map());
const orderWatchers = new Map<string, (update: OrderUpdate) => void>();
const avatarUrls = new Map<string, string>();
const sessionUsers = new Map<string, { user: Awaited<ReturnType<typeof sessions.user>>; expires: number }>();
const recentErrors: Array<{ route: string | null; message: string; at: number }> = [];
let featureFlags: Record<string, boolean> = {};
let flagRefresh: ReturnType<typeof setInterval> | undefined;

function startFlagRefresh(): void {
  if (flagRefresh) return;
  flagRefresh = setInterval(async () => { // ok: timer-leak
    featureFlags = await flagStore.all();
  }, 30_000);
}

function limited(ip: string): boolean {
  const now = Date.now();
  const bucket = rateBuckets.get(ip);
  if (!bucket || now - bucket.windowStart > 60_000) {
    rateBuckets.set(ip, { count: 1, windowStart: now }); // leak: global-growth, unbounded-collection
    return false;
  }
  bucket.count += 1;
  return bucket.count > 300;
}

async function userFor(sid: string) {
  const hit = sessionUsers.get(sid);
  if (hit && hit.expires > Date.now()) return hit.user;
  const user = await sessions.user(sid);
  if (sessionUsers.size > 5000) sessionUsers.clear();
  sessionUsers.set(sid, { user, expires: Date.now() + 30_000 }); // ok: unbounded-cache
  return user;
}

export function avatarFor(email: string): string {
  let url = avatarUrls.get(email);
  if (!url) {
    url = `https://www.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?d=identicon`;
    avatarUrls.set(email, url); // leak: unbounded-cache
  }
  return url;
}

export const handle: Handle = async ({ event, resolve }) => {
  startFlagRefresh();
  if (limited(event.getClientAddress())) error(429, 'Too many requests');
  const sid = event.cookies.get('sid');
  event.locals.user = sid ? await userFor(sid) : null;
  event.locals.flags = featureFlags;
  const response = await resolve(event, {
    filterSerializedResponseHeaders: (name) => name === 'content-type',
  });
  response.headers.set('x-frame-options', 'DENY');
  return response;
};

export const handleFetch: HandleFetch = async ({ request, fetch, event }) => {
  if (request.url.startsWith(env.API_ORIGIN)) {
    request.headers.set('authorization', `Bearer ${event.locals.user?.apiToken ?? ''}`);
  }
  return fetch(request);
};

export const handleError: HandleServerError = async ({ error: err, event }) => {
  const message = err instanceof Error ? err.message : String(err);
  recentErrors.push({ route: event.route.id, message, at: Date.now() }); // ok: unbounded-collection
  if (recentErrors.length > 200) recentErrors.shift();
  return { message: 'Something went wrong' };
};

// $lib/server/live.ts: used by src/routes/orders/[id]/live/+server.ts
export function watchOrder(event: RequestEvent): void {
  const sessionId = event.cookies.get('sid') ?? 'anon';
  orderWatchers.set(sessionId, (update) => { // leak: closure-capture, unbounded-collection
    if (update.orderId === event.params.id) console.debug('order update for', event.url.pathname, update.status);
  });
}

export function orderStream(event: RequestEvent): Response {
  let ticker: ReturnType<typeof setInterval>;
  let current: ReadableStreamDefaultController<string>;
  const stream = new ReadableStream<string>({
    start(controller) {
      current = controller;
      liveStreams.add(controller); // ok: global-growth
      ticker = setInterval(async () => { // ok: timer-leak
        const order = await orders.byId(event.params.id ?? '');
        controller.enqueue(`data: ${JSON.stringify({ status: order?.status })}\n\n`);
      }, 3000);
      event.request.signal.addEventListener('abort', () => { // ok: listener-leak
        clearInterval(ticker);
        liveStreams.delete(controller);
      }, { once: true });
    },
    cancel() {
      clearInterval(ticker);
      liveStreams.delete(current);
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

export function broadcast(update: OrderUpdate): void {
  for (const notify of orderWatchers.values()) notify(update);
  for (const controller of liveStreams) controller.enqueue(`event: order\ndata: ${JSON.stringify(update)}\n\n`);
}
