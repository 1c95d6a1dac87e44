// Each throttled key schedules a release and keeps the timer so that reset() can cancel them
// all; a timer that fires is never taken out of its owner's set, which grows per call.
const pending = new WeakMap();

export function throttle(owner, key, ms, release) {
  const timer = setTimeout(() => release(key), ms);
  const timers = pending.get(owner) || new Set();
  timers.add(timer); // expect: field-collection-growth
  pending.set(owner, timers);
}

export function reset(owner) {
  for (const timer of pending.get(owner) || []) clearTimeout(timer);
}
