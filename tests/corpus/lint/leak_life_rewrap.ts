// A method of an object handed in, wrapped again by code that runs per call: on an object
// that is reused, every call wraps the previous wrapper.
interface Session { flush(data: string): void; }

export function track(session: Session, counters: Map<string, number>): void {
  const before = session.flush.bind(session);
  session.flush = (data: string) => { // expect: closure-captures-request
    counters.set('flushes', (counters.get('flushes') ?? 0) + 1);
    before(data);
  };
}

export function refresh(opts: { session: Session }, counters: Map<string, number>): void {
  track(opts.session, counters);
}
