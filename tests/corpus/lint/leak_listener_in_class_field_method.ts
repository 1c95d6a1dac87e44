// A session class whose methods are class fields holding arrow functions: run() is called once
// per connection, and each call adds a listener to the process-wide bus that nothing removes
// (a class field's arrow is a method like any other; session 13).
import { EventEmitter } from 'events';

export const bus = new EventEmitter();

export class Session {
  constructor(private readonly id: string) {}

  run = () => {
    bus.on('kick', (target: string) => this.close(target)); // expect: listener-not-removed
  };

  close = (target: string) => {
    if (target === this.id) console.log('closing', this.id);
  };
}
