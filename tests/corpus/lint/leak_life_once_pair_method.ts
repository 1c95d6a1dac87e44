// Each checkout waits for one of two outcomes. The 'paid' outcome takes it out of
// `waiting` (through a method); the 'expired' outcome, which happens instead, does not.
import { EventEmitter } from 'events';

export class CheckoutDesk {
  private waiting: EventEmitter[] = [];

  open(checkout: EventEmitter): void {
    this.waiting.push(checkout); // expect: field-collection-growth
    checkout.once('paid', this.onPaid.bind(this, checkout));
    checkout.once('expired', this.onExpired.bind(this, checkout));
  }

  private onPaid(checkout: EventEmitter): void {
    const at = this.waiting.indexOf(checkout);
    if (at !== -1) this.waiting.splice(at, 1);
  }

  private onExpired(checkout: EventEmitter): void {
    checkout.emit('notify', 'your basket expired');
  }
}
