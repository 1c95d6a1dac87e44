// Event-sourced account module: aggregates, an in-memory projection, snapshots and subscribers (TS).
// Long on purpose: most of it is ordinary correct domain code.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

export type DomainEvent =
  | { type: 'AccountOpened'; accountId: string; owner: string; at: number }
  | { type: 'MoneyDeposited'; accountId: string; amount: number; at: number }
  | { type: 'MoneyWithdrawn'; accountId: string; amount: number; at: number }
  | { type: 'AccountClosed'; accountId: string; at: number };

export interface StoredEvent { seq: number; id: string; event: DomainEvent }

export class ConcurrencyError extends Error {
  constructor(readonly accountId: string, readonly expected: number, readonly actual: number) {
    super(`stream ${accountId}: expected version ${expected}, found ${actual}`);
  }
}

export class Account {
  balance = 0;
  open = false;
  version = 0;

  constructor(readonly id: string) {}

  static fromHistory(id: string, events: DomainEvent[]): Account {
    const account = new Account(id);
    for (const e of events) account.apply(e);
    return account;
  }

  apply(e: DomainEvent): void {
    switch (e.type) {
      case 'AccountOpened': this.open = true; break;
      case 'MoneyDeposited': this.balance += e.amount; break;
      case 'MoneyWithdrawn': this.balance -= e.amount; break;
      case 'AccountClosed': this.open = false; break;
    }
    this.version += 1;
  }

  deposit(amount: number): DomainEvent {
    if (!this.open) throw new Error('account closed');
    if (amount <= 0) throw new Error('amount must be positive');
    return { type: 'MoneyDeposited', accountId: this.id, amount, at: Date.now() };
  }

  withdraw(amount: number): DomainEvent {
    if (!this.open) throw new Error('account closed');
    if (amount > this.balance) throw new Error('insufficient funds');
    return { type: 'MoneyWithdrawn', accountId: this.id, amount, at: Date.now() };
  }
}

export class EventStore extends EventEmitter {
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly snapshots = new Map<string, { version: number; balance: number }>();
  private readonly upcasters: Array<(e: DomainEvent) => DomainEvent> = [];
  private seq = 0;

  registerUpcaster(fn: (e: DomainEvent) => DomainEvent): void {
    this.upcasters.push(fn); // ok: unbounded-collection
  }

  append(accountId: string, expectedVersion: number, events: DomainEvent[]): StoredEvent[] {
    const stream = this.streams.get(accountId) ?? [];
    if (stream.length !== expectedVersion) {
      throw new ConcurrencyError(accountId, expectedVersion, stream.length);
    }
    const stored = events.map((event) => ({ seq: ++this.seq, id: randomUUID(), event }));
    stream.push(...stored);
    this.streams.set(accountId, stream); // ok: unbounded-collection
    this.log.push(...stored); // ok: unbounded-collection
    if (this.log.length > 10_000) this.log.splice(0, this.log.length - 10_000);
    if (events.some((e) => e.type === 'AccountClosed')) {
      this.streams.delete(accountId);
      this.snapshots.delete(accountId);
    }
    for (const s of stored) this.emit('appended', s);
    return stored;
  }

  read(accountId: string): DomainEvent[] {
    return (this.streams.get(accountId) ?? []).map((s) => this.upcasters.reduce((e, up) => up(e), s.event));
  }

  readAll(fromSeq = 0): StoredEvent[] {
    return this.log.filter((s) => s.seq > fromSeq);
  }

  saveSnapshot(accountId: string, version: number, balance: number): void {
    this.snapshots.set(accountId, { version, balance }); // ok: unbounded-cache
  }

  snapshot(accountId: string): { version: number; balance: number } | undefined {
    return this.snapshots.get(accountId);
  }
}

export class BalanceProjection {
  readonly balances = new Map<string, number>();
  private readonly history = new Map<string, number[]>();
  private position = 0;
  private readonly onAppended = (s: StoredEvent) => this.handle(s);

  constructor(private readonly store: EventStore) {}

  start(): void {
    for (const s of this.store.readAll(this.position)) this.handle(s);
    this.store.on('appended', this.onAppended); // ok: listener-leak
  }

  stop(): void {
    this.store.off('appended', this.onAppended);
  }

  private handle(s: StoredEvent): void {
    const e = s.event;
    this.position = s.seq;
    if (e.type === 'AccountClosed') {
      this.balances.delete(e.accountId);
      this.history.delete(e.accountId);
      return;
    }
    const before = this.balances.get(e.accountId) ?? 0;
    const delta = e.type === 'MoneyDeposited' ? e.amount : e.type === 'MoneyWithdrawn' ? -e.amount : 0;
    this.balances.set(e.accountId, before + delta); // ok: unbounded-collection
    const h = this.history.get(e.accountId) ?? [];
    h.push(before + delta);
    if (h.length > 50) h.shift();
    this.history.set(e.accountId, h); // ok: unbounded-collection
  }
}

export class CommandHandler {
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly sagaCallbacks: Array<() => void> = [];
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly store: EventStore) {}

  private load(accountId: string): Account {
    const snap = this.store.snapshot(accountId);
    const events = this.store.read(accountId);
    const account = Account.fromHistory(accountId, snap ? events.slice(snap.version) : events);
    if (snap) {
      account.balance += snap.balance;
      account.version += snap.version;
    }
    return account;
  }

  open(owner: string): string {
    const accountId = randomUUID();
    this.store.append(accountId, 0, [{ type: 'AccountOpened', accountId, owner, at: Date.now() }]);
    return accountId;
  }

  async deposit(accountId: string, amount: number, request: { body: unknown; headers: Record<string, string> }): Promise<void> {
    const previous = this.locks.get(accountId) ?? Promise.resolve();
    const current = previous.then(() => {
      const account = this.load(accountId);
      this.store.append(accountId, account.version, [account.deposit(amount)]);
    });
    const settled = current.catch(() => undefined).finally(() => {
      if (this.locks.get(accountId) === settled) this.locks.delete(accountId);
    });
    this.locks.set(accountId, settled); // ok: unbounded-collection
    this.sagaCallbacks.push(() => console.log('deposit saga', request.headers, request.body)); // leak: closure-capture, unbounded-collection
    await current;
  }

  withdrawWithRetry(accountId: string, amount: number, attempt = 0): void {
    try {
      const account = this.load(accountId);
      this.store.append(accountId, account.version, [account.withdraw(amount)]);
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= 3) throw err;
      const t = setTimeout(() => { // ok: timer-leak
        this.retryTimers.delete(t);
        this.withdrawWithRetry(accountId, amount, attempt + 1);
      }, 50 * 2 ** attempt);
      this.retryTimers.add(t); // ok: unbounded-collection
    }
  }

  dispose(): void {
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }
}

export class Notifier {
  private readonly subscriptions = new WeakMap<object, () => void>();

  constructor(private readonly store: EventStore) {}

  subscribe(session: object, accountId: string, push: (e: DomainEvent) => void): void {
    const handler = (s: StoredEvent) => { if (s.event.accountId === accountId) push(s.event); };
    this.store.on('appended', handler); // ok: listener-leak
    this.subscriptions.set(session, () => this.store.off('appended', handler)); // ok: unbounded-collection, closure-capture
  }

  unsubscribe(session: object): void {
    this.subscriptions.get(session)?.();
    this.subscriptions.delete(session);
  }

  subscribeOnce(accountId: string, push: (e: DomainEvent) => void): void {
    this.store.on('appended', (s: StoredEvent) => { // leak: listener-leak
      if (s.event.accountId === accountId) push(s.event);
    });
  }

  pollBalance(accountId: string, projection: BalanceProjection, push: (n: number) => void): void {
    setInterval(() => push(projection.balances.get(accountId) ?? 0), 1000); // leak: timer-leak
  }
}

export const store = new EventStore();
export const projection = new BalanceProjection(store);
export const commands = new CommandHandler(store);
export const notifier = new Notifier(store);
projection.start();
