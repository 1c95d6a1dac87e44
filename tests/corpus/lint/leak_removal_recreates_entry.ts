// Unsubscribing from a topic first makes the subscriber's entry if it is gone: a late
// unsubscribe after the subscriber was dropped leaves an empty entry for good.
export class TopicIndex {
  private readonly bySubscriber: Record<string, string[]> = {};

  subscribe(subscriber: string, topic: string): void {
    (this.bySubscriber[subscriber] ??= []).push(topic);
  }

  unsubscribe(subscriber: string, topic: string): void {
    this.bySubscriber[subscriber] = this.bySubscriber[subscriber] || []; // expect: field-collection-growth
    const at = this.bySubscriber[subscriber].indexOf(topic);
    if (at !== -1) this.bySubscriber[subscriber].splice(at, 1);
  }

  drop(subscriber: string): void {
    delete this.bySubscriber[subscriber];
  }
}
