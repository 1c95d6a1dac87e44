// The same requester whose fail() takes the entry out before rejecting.
type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class Requester {
  private waiting = new Map<number, Waiter>();
  private seq = 0;

  constructor(private readonly send: (seq: number, body: unknown) => void) {}

  call(body: unknown, ms: number): Promise<unknown> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(seq, 'deadline'), ms);
      this.waiting.set(seq, { resolve, reject, timer });
      this.send(seq, body);
    });
  }

  onReply(seq: number, value: unknown): void {
    const waiter = this.waiting.get(seq);
    this.waiting.delete(seq);
    if (waiter) { clearTimeout(waiter.timer); waiter.resolve(value); }
  }

  private fail(seq: number, why: string): void {
    const waiter = this.waiting.get(seq);
    this.waiting.delete(seq);
    if (waiter) waiter.reject(new Error(why));
  }
}
