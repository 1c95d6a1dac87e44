// Data hung on the global object through a local alias, or on `process` behind a cast.
export function onJobFailed(job: { id: string; failedReason: string }) {
  const root = globalThis as any;
  root.failedJobs ??= [];
  root.failedJobs.push({ id: job.id, reason: job.failedReason }); // expect: global-collection-growth
}

export async function broadcast(req: { params: { room: string }; body: unknown }) {
  (process as any).__broadcasts = (process as any).__broadcasts || [];
  (process as any).__broadcasts.push({ room: req.params.room, at: Date.now() }); // expect: global-collection-growth
}
