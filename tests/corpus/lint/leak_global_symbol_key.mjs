// A replay guard shared across warm invocations through a symbol-keyed global: every message id
// ever seen stays in it.
const SEEN = Symbol.for('app.seenMessageIds');
globalThis[SEEN] ??= new Set();

export async function onMessage(event) {
  const id = event.headers['message-id'];
  if (globalThis[SEEN].has(id)) return { duplicate: true };
  globalThis[SEEN].add(id); // expect: global-collection-growth
  return processMessage(event);
}
