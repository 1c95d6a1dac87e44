// Sentry SDK for Cloudflare: init() runs for every request a Worker or
// Durable Object handles. The flush lock lets the SDK wait for the request's
// waitUntil() work before flushing events. A Durable Object reuses the same
// ExecutionContext for many requests.
import type { ExecutionContext } from '@cloudflare/workers-types';
import type { Client } from '@sentry/core';

type FlushLock = {
  readonly ready: Promise<void>;
  readonly finalize: () => Promise<void>;
};

export function makeFlushLock(context: ExecutionContext): FlushLock {
  let resolveAllDone: () => void = () => undefined;
  const allDone = new Promise<void>((res) => {
    resolveAllDone = res;
  });
  let pending = 0;
  // Wraps whatever waitUntil is there: on a reused context that is the
  // previous request's wrapper, so the chain (and every request's lock
  // state it closes over) grows with each request.
  const originalWaitUntil = context.waitUntil.bind(context) as typeof context.waitUntil;
  context.waitUntil = (promise) => { // leak: closure-capture
    pending++;
    return originalWaitUntil(
      promise.finally(() => {
        if (--pending === 0) resolveAllDone();
      }),
    );
  };
  return Object.freeze({
    ready: allDone,
    finalize: () => {
      if (pending === 0) resolveAllDone();
      return allDone;
    },
  });
}

interface CloudflareOptions {
  ctx?: ExecutionContext;
  dsn?: string;
}

export function init(options: CloudflareOptions, createClient: (o: object) => Client): Client {
  const flushLock = options.ctx ? makeFlushLock(options.ctx) : undefined;
  delete options.ctx;
  return createClient({ ...options, flushLock });
}
