// Subscriptions to a long-lived event bus made per request, through the stream an operator
// derives from it, or kept in a local that is only read: nothing ever unsubscribes.
import { Injectable } from '@nestjs/common';
import { EventBus } from '@vendure/core';

@Injectable()
export class OrderWatcher {
  constructor(private eventBus: EventBus) {}

  waitForState(orderCode: string): Promise<string> {
    return new Promise((resolve) => {
      this.eventBus.ofType(OrderStateEvent).subscribe((e) => { // expect: listener-not-removed
        if (e.order.code === orderCode) resolve(e.toState);
      });
    });
  }

  watchPayments(orderCode: string): void {
    const sub = this.eventBus.ofType(PaymentEvent).subscribe((e) => { // expect: listener-not-removed
      if (e.order.code === orderCode) console.log('paid', orderCode);
    });
    console.log(`watching ${orderCode}: ${sub.closed ? 'closed' : 'open'}`);
  }
}
