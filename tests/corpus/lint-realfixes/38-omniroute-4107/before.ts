const pendingById = new Map<string, { startedAt: number; request: unknown }>();

export function trackPendingRequest(id: string, request: unknown): void {
  pendingById.set(id, { startedAt: Date.now(), request }); // leak: unbounded-collection
}

export function finalizePendingRequest(id: string): void {
  pendingById.delete(id);
}

export async function proxy(id: string, body: unknown, upstream: (b: unknown) => Promise<unknown>) {
  trackPendingRequest(id, body);
  const result = await upstream(body);
  finalizePendingRequest(id);
  return result;
}
