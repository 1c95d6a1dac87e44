// A module keeps its table on globalThis so a reloaded copy finds it again, and works on it
// through a module binding: it still lives as long as the process.
declare global {
  // eslint-disable-next-line no-var
  var __seenVisitors: Map<string, number> | undefined;
}

const seenVisitors = (globalThis.__seenVisitors ??= new Map());

export function visit(visitorId: string): number {
  const count = (seenVisitors.get(visitorId) ?? 0) + 1;
  seenVisitors.set(visitorId, count); // expect: global-collection-growth
  return count;
}
