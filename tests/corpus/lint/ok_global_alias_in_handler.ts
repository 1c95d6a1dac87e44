// The same aliases, bounded: the newest hundred kept, or one slot replaced.
export function onJobFailed(job: { id: string; failedReason: string }) {
  const root = globalThis as any;
  root.failedJobs ??= [];
  root.failedJobs.push({ id: job.id, reason: job.failedReason });
  if (root.failedJobs.length > 100) root.failedJobs.shift();
}

export async function broadcast(req: { params: { room: string } }) {
  (process as any).__lastBroadcast = { room: req.params.room, at: Date.now() };
}
