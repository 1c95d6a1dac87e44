// A function that runs itself again - a reconnect from its own failure handler, another
// pass from its own completion handler - while a listener it added is still on an emitter
// it did not make: each run leaves one more. Removal only on another event's path, or on
// one arm of the branch that reruns, does not count.
import { EventEmitter } from 'events';

export class Dialer extends EventEmitter {
  private attempts = 0;

  dial(): void {
    const onUp = () => {
      this.off('gaveUp', onDown);
      this.attempts = 0;
    };
    const onDown = () => {
      this.off('up', onUp);
    };
    this.once('up', onUp); // expect: listener-not-removed
    this.once('gaveUp', onDown); // expect: listener-not-removed
    this.once('dropped', () => {
      this.attempts += 1;
      setTimeout(() => this.dial(), 100 * this.attempts);
    });
  }
}

export function drainAll(queue: EventEmitter, source: { pull(): EventEmitter }): void {
  const batch = source.pull();
  const onStop = () => batch.emit('abort');
  queue.on('stop', onStop); // expect: listener-not-removed
  batch.on('done', (leftover: number) => {
    if (leftover === 0) {
      queue.removeListener('stop', onStop);
    } else {
      drainAll(queue, source);
    }
  });
}
