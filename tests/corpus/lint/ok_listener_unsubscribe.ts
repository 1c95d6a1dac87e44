import { EventEmitter } from 'events';

const bus = new EventEmitter();

export class Subscription {
  private handler = (msg: unknown) => this.deliver(msg);

  constructor(private readonly send: (msg: unknown) => void) {}

  open(req: { id: string }) {
    bus.on('message', this.handler);
  }

  close() {
    bus.removeListener('message', this.handler);
  }

  private deliver(msg: unknown) {
    this.send(msg);
  }
}
