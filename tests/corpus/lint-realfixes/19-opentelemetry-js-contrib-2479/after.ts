const EVENT_LISTENERS_SET = Symbol('opentelemetry.pg.eventListenersSet');

export function patchPoolConnect(original: (...args: unknown[]) => Promise<unknown>, instrumentation: { updateCounters(pool: unknown): void }) {
  return function connect(this: NodeJS.EventEmitter & { [EVENT_LISTENERS_SET]?: boolean }, ...args: unknown[]) {
    if (!this[EVENT_LISTENERS_SET]) {
      this.on('connect', () => instrumentation.updateCounters(this));
      this.on('acquire', () => instrumentation.updateCounters(this));
      this.on('remove', () => instrumentation.updateCounters(this));
      this[EVENT_LISTENERS_SET] = true;
    }
    return original.apply(this, args);
  };
}
