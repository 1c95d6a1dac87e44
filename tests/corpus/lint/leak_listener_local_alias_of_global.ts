// The network watcher picks its event target per connect: the configured one, or the global
// object. On the global object every connect adds another 'online' listener.
export class Session {
  private readonly target: EventTarget | null;

  constructor(target: EventTarget | null) {
    this.target = target;
  }

  connect(): void {
    this.watchNetwork();
  }

  reconnect(): void {
    this.connect();
  }

  private watchNetwork(): void {
    let eventTarget: EventTarget | null = null;
    if (this.target !== null) {
      eventTarget = this.target;
    } else if (typeof globalThis.addEventListener === 'function') {
      eventTarget = globalThis as EventTarget;
    }
    eventTarget?.addEventListener('online', () => this.reconnect()); // expect: listener-not-removed
  }
}
