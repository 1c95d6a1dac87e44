export function patchPoolConnect(original: (...args: unknown[]) => Promise<unknown>, instrumentation: { updateCounters(pool: unknown): void }) {
  return function connect(this: NodeJS.EventEmitter, ...args: unknown[]) {
    this.on('connect', () => instrumentation.updateCounters(this)); // leak: listener-leak
    this.on('acquire', () => instrumentation.updateCounters(this));
    this.on('remove', () => instrumentation.updateCounters(this));
    return original.apply(this, args);
  };
}
