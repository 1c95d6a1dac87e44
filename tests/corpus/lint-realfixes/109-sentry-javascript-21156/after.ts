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

interface Tracker {
  begin(): void;
  end(): void;
}

// The per-request trackers of each wrapped waitUntil. A context's waitUntil
// is wrapped the first time only; later requests just join its set.
const activeTrackers = new WeakMap<ExecutionContext['waitUntil'], Set<Tracker>>();

function trackersFor(context: ExecutionContext): Set<Tracker> {
  const known = activeTrackers.get(context.waitUntil);
  if (known) return known;

  const trackers = new Set<Tracker>();
  const inner = context.waitUntil.bind(context) as typeof context.waitUntil;
  const wrapped: typeof context.waitUntil = (promise) => {
    const waiting = Array.from(trackers);
    waiting.forEach((t) => t.begin());
    return inner(promise.finally(() => waiting.forEach((t) => t.end())));
  };
  activeTrackers.set(wrapped, trackers);
  context.waitUntil = wrapped;
  return trackers;
}

export function makeFlushLock(context: ExecutionContext): FlushLock {
  const trackers = trackersFor(context);
  let outstanding = 0;
  let done!: () => void;
  const ready = new Promise<void>((resolve) => {
    done = resolve;
  });
  const settle = () => {
    trackers.delete(tracker);
    done();
  };
  const tracker: Tracker = {
    begin: () => {
      outstanding += 1;
    },
    end: () => {
      outstanding -= 1;
      if (outstanding === 0) settle();
    },
  };
  trackers.add(tracker);

  return Object.freeze({
    ready,
    finalize: () => {
      if (outstanding === 0) settle();
      return ready;
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
