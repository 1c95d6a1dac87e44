// Look-alike: the table on globalThis is capped where it grows.
declare global {
  // eslint-disable-next-line no-var
  var __seenVisitors: Map<string, number> | undefined;
}

const seenVisitors = (globalThis.__seenVisitors ??= new Map());

export function visit(visitorId: string): number {
  const count = (seenVisitors.get(visitorId) ?? 0) + 1;
  if (seenVisitors.size > 10_000) seenVisitors.clear();
  seenVisitors.set(visitorId, count);
  return count;
}
