// Ordering bounded context wired with InversifyJS: aggregates, a domain event dispatcher,
// an outbox relay and application services resolved per HTTP request.
import 'reflect-metadata';
import { Container, inject, injectable } from 'inversify';
import { Pool } from 'pg';
import Redis from 'ioredis';
import amqp from 'amqp-connection-manager';
import type { Express } from 'express';

export const TYPES = {
  Pool: Symbol.for('Pool'),
  Cache: Symbol.for('Cache'),
  Dispatcher: Symbol.for('Dispatcher'),
  Outbox: Symbol.for('Outbox'),
  OrderService: Symbol.for('OrderService'),
  CartService: Symbol.for('CartService'),
};

export interface DomainEvent { id: string; type: string; aggregateId: string; occurredAt: Date; payload: unknown }
type Handler = (event: DomainEvent) => Promise<void> | void;

export abstract class AggregateRoot<TId> {
  private readonly pending: DomainEvent[] = [];
  protected constructor(readonly id: TId) {}

  protected raise(type: string, payload: unknown): void {
    this.pending.push({ id: crypto.randomUUID(), type, aggregateId: String(this.id), occurredAt: new Date(), payload }); // ok: unbounded-collection
  }

  pullEvents(): DomainEvent[] {
    return this.pending.splice(0, this.pending.length);
  }
}

export class Order extends AggregateRoot<string> {
  private lines: Array<{ sku: string; qty: number }> = [];
  private placed = false;

  static draft(id: string): Order { return new Order(id); }

  addLine(sku: string, qty: number): void {
    if (this.placed) throw new Error('order already placed');
    this.lines.push({ sku, qty }); // ok: unbounded-collection
  }

  place(): void {
    if (!this.lines.length) throw new Error('empty order');
    this.placed = true;
    this.raise('OrderPlaced', { lines: this.lines });
  }
}

@injectable()
export class DomainEventDispatcher {
  private readonly handlers = new Map<string, Handler[]>();

  subscribe(type: string, handler: Handler): () => void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
    return () => this.handlers.set(type, (this.handlers.get(type) ?? []).filter((h) => h !== handler));
  }

  async dispatch(events: DomainEvent[]): Promise<void> {
    for (const e of events) {
      for (const h of this.handlers.get(e.type) ?? []) await h(e);
    }
  }
}

@injectable()
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private readonly published = new Set<string>();
  private readonly broker = amqp.connect([process.env.AMQP_URL ?? 'amqp://localhost']); // ok: resource-per-request
  private readonly channel = this.broker.createChannel({ json: true });

  constructor(@inject(TYPES.Pool) private readonly pool: Pool) {
    this.broker.on('connect', () => this.start()); // ok: listener-leak
  }

  start(): void {
    this.timer = setInterval(() => void this.relay(), 1000); // leak: timer-leak
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async relay(): Promise<void> {
    const { rows } = await this.pool.query('SELECT id, type, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100');
    for (const row of rows) {
      if (this.published.has(row.id)) continue;
      await this.channel.publish('domain', row.type, row.payload);
      this.published.add(row.id); // leak: unbounded-collection
      await this.pool.query('UPDATE outbox SET sent_at = now() WHERE id = $1', [row.id]);
    }
  }
}

@injectable()
export class OrderApplicationService {
  constructor(
    @inject(TYPES.Pool) private readonly pool: Pool,
    @inject(TYPES.Dispatcher) private readonly dispatcher: DomainEventDispatcher,
  ) {
    this.dispatcher.subscribe('OrderPlaced', this.onPlaced.bind(this)); // leak: listener-leak
  }

  async placeOrder(id: string, lines: Array<{ sku: string; qty: number }>): Promise<void> {
    const order = Order.draft(id);
    for (const l of lines) order.addLine(l.sku, l.qty);
    order.place();
    const events = order.pullEvents();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, lines) VALUES ($1, $2)', [id, JSON.stringify(lines)]);
      for (const e of events) await client.query('INSERT INTO outbox (id, type, payload) VALUES ($1, $2, $3)', [e.id, e.type, e.payload]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
    await this.dispatcher.dispatch(events);
  }

  private async onPlaced(event: DomainEvent): Promise<void> {
    await this.pool.query('UPDATE carts SET status = $2 WHERE order_id = $1', [event.aggregateId, 'converted']);
  }
}

@injectable()
export class CartService {
  constructor(@inject(TYPES.Cache) private readonly cache: Redis) {}

  async add(cartId: string, sku: string, qty: number): Promise<void> {
    await this.cache.hincrby(`cart:${cartId}`, sku, qty);
    await this.cache.expire(`cart:${cartId}`, 7 * 24 * 3600);
  }
}

export const container = new Container();
container.bind<Pool>(TYPES.Pool).toDynamicValue(() => new Pool({ connectionString: process.env.DATABASE_URL })).inSingletonScope(); // ok: resource-per-request
container.bind<Redis>(TYPES.Cache).toDynamicValue(() => new Redis(process.env.REDIS_URL ?? 'redis://localhost')); // leak: resource-per-request
container.bind(TYPES.Dispatcher).to(DomainEventDispatcher).inSingletonScope();
container.bind(TYPES.Outbox).to(OutboxRelay).inSingletonScope();
container.bind(TYPES.OrderService).to(OrderApplicationService).inTransientScope();
container.bind(TYPES.CartService).to(CartService).inRequestScope();

const dispatcher = container.get<DomainEventDispatcher>(TYPES.Dispatcher);
dispatcher.subscribe('OrderPlaced', async (e) => { // ok: listener-leak
  console.info('order placed', e.aggregateId);
});
container.get<OutboxRelay>(TYPES.Outbox);

export function mountOrdering(app: Express): void {
  app.post('/orders/:id', async (req, res, next) => {
    try {
      await container.get<OrderApplicationService>(TYPES.OrderService).placeOrder(req.params.id, req.body.lines);
      res.status(201).end();
    } catch (err) {
      next(err);
    }
  });
  app.post('/carts/:id/items', async (req, res, next) => {
    try {
      await container.get<CartService>(TYPES.CartService).add(req.params.id, req.body.sku, Number(req.body.qty));
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });
}

export async function shutdown(): Promise<void> {
  container.get<OutboxRelay>(TYPES.Outbox).stop();
  await container.get<Pool>(TYPES.Pool).end();
}
