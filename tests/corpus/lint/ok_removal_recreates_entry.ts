// Look-alike: unsubscribing only touches an entry that exists.
export class TopicIndex {
  private readonly bySubscriber: Record<string, string[]> = {};

  subscribe(subscriber: string, topic: string): void {
    (this.bySubscriber[subscriber] ??= []).push(topic);
  }

  unsubscribe(subscriber: string, topic: string): void {
    const topics = this.bySubscriber[subscriber];
    if (!topics) return;
    const at = topics.indexOf(topic);
    if (at !== -1) topics.splice(at, 1);
  }

  drop(subscriber: string): void {
    delete this.bySubscriber[subscriber];
  }
}
