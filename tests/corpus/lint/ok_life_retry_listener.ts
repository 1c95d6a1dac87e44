// The same retries, with the listener removed on the path that reruns (before the rerun,
// or by a handler of the event that triggers it), or used up by that event.
import { EventEmitter } from 'events';

export class Dialer extends EventEmitter {
  private attempts = 0;

  dial(): void {
    const onUp = () => {
      this.off('dropped', onDropped);
      this.attempts = 0;
    };
    const onDropped = () => {
      this.off('up', onUp);
    };
    this.once('up', onUp);
    this.once('dropped', onDropped);
    this.once('dropped', () => {
      this.attempts += 1;
      setTimeout(() => this.dial(), 100 * this.attempts);
    });
  }
}

export function drainAll(queue: EventEmitter, source: { pull(): EventEmitter }): void {
  const batch = source.pull();
  const onStop = () => batch.emit('abort');
  queue.on('stop', onStop);
  batch.on('done', (leftover: number) => {
    queue.removeListener('stop', onStop);
    if (leftover !== 0) {
      drainAll(queue, source);
    }
  });
}

export function poll(feed: EventEmitter, wait: number): void {
  if (wait > 1000) {
    feed.once('ready', () => poll(feed, 0));
    return;
  }
  feed.once('tick', () => feed.emit('seen'));
}
