// Look-alike of leak_call_subscribe.ts: the subscription handles are kept and ended.
import { Injectable } from '@nestjs/common';
import { Subject, Subscription } from 'rxjs';
import { store } from './store';

@Injectable()
export class PricesService {
  private readonly updates = new Subject<{ sku: string; price: number }>();

  watch(sku: string, push: (price: number) => void): Subscription {
    return this.updates.subscribe((u) => { if (u.sku === sku) push(u.price); });
  }

  publish(sku: string, price: number): void {
    this.updates.next({ sku, price });
  }
}

export function renderCart(req: { user: string; on(e: string, f: () => void): void },
                           res: { json(v: unknown): void }): void {
  const user = req.user;
  const unsubscribe = store.subscribe(() => console.log('cart changed for', user));
  req.on('close', unsubscribe);
  res.json(store.getState());
}
