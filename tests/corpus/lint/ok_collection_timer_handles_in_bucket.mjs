// The same throttle, whose timer takes its own handle out when it fires, and whose reset()
// drops the owner's set.
const pending = new WeakMap();

export function throttle(owner, key, ms, release) {
  const timers = pending.get(owner) || new Set();
  const timer = setTimeout(() => { timers.delete(timer); release(key); }, ms);
  timers.add(timer);
  pending.set(owner, timers);
}

export function reset(owner) {
  for (const timer of pending.get(owner) || []) clearTimeout(timer);
  pending.delete(owner);
}
