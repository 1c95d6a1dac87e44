// Look-alike: a shared seen-set that forgets the oldest ids past a size.
interface Delivery { messageId: string; body: string }

export class Deduplicator {
  private readonly handled = new Set<string>();

  accept(delivery: Delivery, sink: (body: string) => void): void {
    if (this.handled.has(delivery.messageId)) return;
    this.handled.add(delivery.messageId);
    if (this.handled.size > 10_000) this.handled.delete(this.handled.values().next().value as string);
    sink(delivery.body);
  }
}

export const deduplicator = new Deduplicator();
