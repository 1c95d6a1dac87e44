// The tracker's constructor hands the imported bus a callback that uses `this`: the bus
// keeps the tracker for as long as the bus lives and runs record() for every order event.
// Each order's summary stays in `seen` for good.
import { orderBus } from './bus';

export class OrderAuditTrail {
  private seen: Record<string, unknown> = {};

  constructor() {
    orderBus.on('order.updated', (event: { orderId: string; status: string }) => this.record(event));
  }

  record(event: { orderId: string; status: string }): void {
    const summary = { status: event.status, at: Date.now() };
    this.seen[event.orderId] = summary; // expect: field-collection-growth
  }
}
