// Per-request subscriptions to a long-lived bus that end: the pipe takes one event, or stops
// with the request, or the kept handle is unsubscribed or handed to the caller.
import { Injectable } from '@nestjs/common';
import { EventBus } from '@vendure/core';
import { take, takeUntil } from 'rxjs/operators';

@Injectable()
export class OrderWatcher {
  constructor(private eventBus: EventBus) {}

  nextState(orderCode: string): Promise<string> {
    return new Promise((resolve) => {
      this.eventBus.ofType(OrderStateEvent).pipe(take(1)).subscribe((e) => resolve(e.toState));
    });
  }

  watchUntil(orderCode: string, done$: unknown): void {
    this.eventBus.ofType(PaymentEvent).pipe(takeUntil(done$)).subscribe(() => console.log(orderCode));
  }

  watchFor(orderCode: string, ms: number): void {
    const sub = this.eventBus.ofType(PaymentEvent).subscribe(() => console.log(orderCode));
    setTimeout(() => sub.unsubscribe(), ms);
  }

  watch(orderCode: string) {
    const sub = this.eventBus.ofType(PaymentEvent).subscribe(() => console.log(orderCode));
    return sub;
  }
}
