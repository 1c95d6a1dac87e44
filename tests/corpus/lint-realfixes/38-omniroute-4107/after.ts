const pendingById = new Map<string, { startedAt: number; request: unknown }>();
const MAX_PENDING_DETAILS = 1000;
const STALE_AFTER_MS = 15 * 60 * 1000;
let reaper: ReturnType<typeof setInterval> | undefined;

function sweepStalePendingRequests(): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const [id, entry] of pendingById) {
    if (entry.startedAt < cutoff || pendingById.size > MAX_PENDING_DETAILS) pendingById.delete(id);
  }
}

export function trackPendingRequest(id: string, request: unknown): void {
  if (!reaper) {
    reaper = setInterval(sweepStalePendingRequests, 60 * 1000);
    reaper.unref();
  }
  pendingById.set(id, { startedAt: Date.now(), request });
}

export function finalizePendingRequest(id: string): void {
  pendingById.delete(id);
}

export async function proxy(id: string, body: unknown, upstream: (b: unknown) => Promise<unknown>) {
  trackPendingRequest(id, body);
  try {
    return await upstream(body);
  } finally {
    finalizePendingRequest(id);
  }
}
