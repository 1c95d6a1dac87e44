// A shared consumer that remembers every message id it has handled, to skip duplicates:
// `has` then `add` on a Set is a seen-set, and nothing ever forgets an id.
interface Delivery { messageId: string; body: string }

export class Deduplicator {
  private readonly handled = new Set<string>();

  accept(delivery: Delivery, sink: (body: string) => void): void {
    if (this.handled.has(delivery.messageId)) return;
    this.handled.add(delivery.messageId); // expect: field-collection-growth
    sink(delivery.body);
  }
}

export const deduplicator = new Deduplicator();
