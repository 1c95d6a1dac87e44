// The same two outcomes, but each handler takes the other listener off: nothing stays.
import { EventEmitter } from 'events';

export class Turnstile {
  private readonly events = new EventEmitter();

  pass(ticket: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const onRejected = (reason: string) => {
        this.events.off('admitted', onAdmitted);
        reject(new Error(reason));
      };
      const onAdmitted = () => {
        this.events.off('rejected', onRejected);
        resolve(ticket);
      };
      this.events.once('admitted', onAdmitted);
      this.events.once('rejected', onRejected);
      this.events.emit('scan', ticket);
    });
  }
}
