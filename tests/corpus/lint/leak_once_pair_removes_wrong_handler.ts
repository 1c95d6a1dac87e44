// Each handler means to take the other listener off, but onRefused removes itself from
// 'granted' (where it never was) instead of onGranted: after every refusal the 'granted'
// listener stays on the lock.
import { EventEmitter } from 'events';

export class Lock {
  private readonly events = new EventEmitter();

  acquire(owner: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const onRefused = (reason: string) => {
        this.events.off('granted', onRefused);
        reject(new Error(reason));
      };
      const onGranted = () => {
        this.events.off('refused', onRefused);
        resolve(owner);
      };
      this.events.once('granted', onGranted); // expect: listener-not-removed
      this.events.once('refused', onRefused);
      this.events.emit('request', owner);
    });
  }
}
