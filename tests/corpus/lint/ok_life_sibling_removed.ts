// Two tables filled together under one key. Every way an entry ends takes it out of both
// (the reply and the deadline go through forget()); a resend takes the start time out and
// puts a new one back, which does not end the entry.
export class RpcLink {
  private waiting = new Map<string, (value: unknown) => void>();
  private startedAt = new Map<string, number>();

  constructor(private readonly port: { post(msg: object): void }) {}

  request(route: string, body: object): Promise<unknown> {
    return new Promise((resolve) => {
      this.waiting.set(route, resolve);
      this.startedAt.set(route, Date.now());
      this.port.post({ route, body });
    });
  }

  resend(route: string, body: object): void {
    this.startedAt.delete(route);
    this.startedAt.set(route, Date.now());
    this.port.post({ route, body });
  }

  reply(route: string, value: unknown): void {
    const resolve = this.waiting.get(route);
    this.forget(route);
    resolve?.(value);
  }

  expire(route: string): void {
    this.forget(route);
  }

  private forget(route: string): void {
    this.waiting.delete(route);
    this.startedAt.delete(route);
  }
}
