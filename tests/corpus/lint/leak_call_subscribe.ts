// Subscriptions whose handle is dropped: an RxJS subject of a singleton service and a store,
// subscribed to per call, are never unsubscribed (issue 11, mode 3).
import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { store } from './store';

@Injectable()
export class PricesService {
  private readonly updates = new Subject<{ sku: string; price: number }>();

  watch(sku: string, push: (price: number) => void): void {
    this.updates.subscribe((u) => { if (u.sku === sku) push(u.price); }); // expect: listener-not-removed
  }

  publish(sku: string, price: number): void {
    this.updates.next({ sku, price });
  }
}

export function renderCart(req: { user: string }, res: { json(v: unknown): void }): void {
  store.subscribe(() => console.log('cart changed for', req.user)); // expect: listener-not-removed, closure-captures-request
  res.json(store.getState());
}
