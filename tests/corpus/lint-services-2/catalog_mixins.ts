// Catalog domain library: small generic building blocks (mixins, typed emitter, TTL cache,
// batcher) and the catalog singletons the HTTP layer uses.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';

type Constructor<T = object> = new (...args: any[]) => T;
type Listener<T> = (value: T) => void;

export function Observable<TBase extends Constructor>(Base: TBase) {
  return class extends Base {
    private readonly observers = new Set<Listener<unknown>>();

    observe(fn: Listener<unknown>): () => void {
      this.observers.add(fn); // ok: unbounded-collection
      return () => this.observers.delete(fn);
    }

    protected notify(value: unknown): void {
      for (const fn of this.observers) fn(value);
    }
  };
}

export function Memoized<TBase extends Constructor>(Base: TBase) {
  return class extends Base {
    private readonly memo = new Map<string, unknown>();

    protected remember<T>(key: string, compute: () => T): T {
      if (this.memo.has(key)) return this.memo.get(key) as T;
      const value = compute();
      this.memo.set(key, value); // leak: unbounded-cache
      return value;
    }
  };
}

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly ttlMs: number, private readonly max = 10_000) {
    this.sweeper = setInterval(() => this.sweep(), ttlMs); // ok: timer-leak
    this.sweeper.unref();
  }

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e || e.expires < Date.now()) return undefined;
    return e.value;
  }

  set(key: K, value: V): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs }); // ok: unbounded-cache
  }

  dispose(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expires < now) this.entries.delete(k);
  }
}

export class TypedEmitter<Events extends Record<string, unknown>> {
  private readonly emitter = new EventEmitter();
  on<E extends keyof Events & string>(event: E, fn: Listener<Events[E]>): this { this.emitter.on(event, fn); return this; } // ok: listener-leak
  off<E extends keyof Events & string>(event: E, fn: Listener<Events[E]>): this { this.emitter.off(event, fn); return this; }
  emit<E extends keyof Events & string>(event: E, value: Events[E]): void { this.emitter.emit(event, value); }
}

export class Batcher<T> {
  private buffer: T[] = [];
  private timer?: NodeJS.Timeout;
  readonly deadLetters: Array<{ items: T[]; error: string }> = [];

  constructor(private readonly max: number, private readonly flushMs: number, private readonly sink: (items: T[]) => Promise<void>) {}

  add(item: T): void {
    this.buffer.push(item); // ok: unbounded-collection
    if (this.buffer.length >= this.max) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushMs); // ok: timer-leak
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.buffer;
    this.buffer = [];
    try {
      await this.sink(items);
    } catch (err) {
      this.deadLetters.push({ items, error: String(err) }); // leak: unbounded-collection
    }
  }
}

export class Hooks<TResult> {
  private readonly after: Array<(result: TResult) => void> = [];
  onResult(fn: (result: TResult) => void): void { this.after.push(fn); }
  run(result: TResult): void { for (const fn of this.after) fn(result); }
}

type Product = { sku: string; title: string; priceCents: number };
type CatalogEvents = { price: { sku: string; priceCents: number }; removed: { sku: string } };

class CatalogBase {
  constructor(protected readonly products: Map<string, Product>) {}
}

export class Catalog extends Memoized(Observable(CatalogBase)) {
  search(query: string): Product[] {
    return this.remember(`search:${query}`, () =>
      [...this.products.values()].filter((p) => p.title.toLowerCase().includes(query.toLowerCase())));
  }

  update(product: Product): void {
    this.products.set(product.sku, product);
    this.notify(product);
  }
}

export class PriceWatcher {
  private readonly seen: Array<{ sku: string; priceCents: number }> = [];
  private readonly onPrice = (p: { sku: string; priceCents: number }) => { if (this.skus.has(p.sku)) this.seen.push(p); };

  constructor(private readonly bus: TypedEmitter<CatalogEvents>, private readonly skus: Set<string>) {
    bus.on('price', this.onPrice); // leak: listener-leak
  }

  changes(): Array<{ sku: string; priceCents: number }> { return this.seen; }
  dispose(): void { this.bus.off('price', this.onPrice); }
}

export const catalog = new Catalog(new Map());
export const catalogBus = new TypedEmitter<CatalogEvents>();
export const priceCache = new TtlCache<string, number>(60_000);
export const searchHooks = new Hooks<Product[]>();
export const indexBatcher = new Batcher<Product>(100, 2000, async (items) => { await fetch(process.env.SEARCH_INDEX_URL ?? '', { method: 'POST', body: JSON.stringify(items) }); });

catalog.observe((p) => indexBatcher.add(p as Product)); // ok: listener-leak

export function searchHandler(req: Request, res: Response): void {
  const results = catalog.search(String(req.query.q ?? ''));
  searchHooks.onResult((r) => console.debug('search', req.ip, req.query.q, r.length)); // leak: closure-capture, unbounded-collection
  searchHooks.run(results);
  res.json(results);
}

export function priceChangesHandler(req: Request, res: Response): void {
  const watcher = new PriceWatcher(catalogBus, new Set(String(req.query.skus ?? '').split(',')));
  setTimeout(() => res.json(watcher.changes()), 5_000); // ok: closure-capture
}

export function priceHandler(req: Request, res: Response): void {
  const sku = String(req.params.sku);
  const cached = priceCache.get(sku);
  if (cached !== undefined) return void res.json({ sku, priceCents: cached });
  const product = [...catalog.search('')].find((p) => p.sku === sku);
  if (!product) return void res.status(404).end();
  priceCache.set(sku, product.priceCents);
  res.json({ sku, priceCents: product.priceCents });
}
