// The same watcher, but it adds one function made once per session: addEventListener keeps
// a given function once per target, so reconnecting adds nothing new.
export class Session {
  private readonly target: EventTarget | null;
  private readonly onOnline = () => this.reconnect();

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
    eventTarget?.addEventListener('online', this.onOnline);
  }
}
