// The same desk, but whichever way a checkout ends its socket closes, and the close
// handler asks the remover too: no outcome leaves an entry behind.
import { EventEmitter } from 'events';

export class CheckoutCounter {
  private waiting: EventEmitter[] = [];

  open(checkout: EventEmitter, socket: EventEmitter): void {
    this.waiting.push(checkout);
    checkout.once('paid', () => this.settle(checkout));
    checkout.once('expired', () => checkout.emit('notify', 'expired'));
    socket.once('close', () => this.settle(checkout));
  }

  private settle(checkout: EventEmitter): void {
    const at = this.waiting.indexOf(checkout);
    if (at !== -1) this.waiting.splice(at, 1);
  }
}
