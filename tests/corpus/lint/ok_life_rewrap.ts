// Wrapped once (a marker says it was), wrapped on a fresh copy, or wrapped by a handler on
// the call's own response.
interface Session { flush(data: string): void; tracked?: boolean; }

export function track(session: Session, counters: Map<string, number>): void {
  if (session.tracked) return;
  session.tracked = true;
  const before = session.flush.bind(session);
  session.flush = (data: string) => {
    counters.set('flushes', (counters.get('flushes') ?? 0) + 1);
    before(data);
  };
}

export function refresh(opts: { session: Session }, counters: Map<string, number>): void {
  track(opts.session, counters);
  track({ ...opts.session }, counters);
}

export function handler(req: { url: string }, res: { end(b: string): void }): void {
  const end = res.end.bind(res);
  res.end = (body: string) => end(body.trim());
  res.end(req.url);
}
