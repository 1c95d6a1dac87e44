// An interval kept in a field by a method that the file itself runs again: from a reconnect,
// from a listener for an event that comes back, or from a factory every caller runs on a
// shared object. The method's name says nothing about how often it runs.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';

export class TelemetryLink extends EventEmitter {
  private flushTimer?: NodeJS.Timeout;
  private socket?: net.Socket;

  constructor(private readonly port: number) {
    super();
    this.open();
  }

  open(): void {
    this.flushTimer = setInterval(() => this.emit('flush'), 2_000); // expect: timer-overwritten
    this.socket = net.connect(this.port);
    this.socket.once('close', () => {
      setTimeout(() => this.open(), 500);
    });
  }

  end(): void {
    clearInterval(this.flushTimer);
    this.socket?.destroy();
  }
}

export class QuotaLedger {
  counts = new Map<string, number>();
  sweeping?: ReturnType<typeof setInterval>;

  prepare(windowMs: number): void {
    this.counts = new Map();
    this.sweeping = setInterval(() => this.counts.clear(), windowMs); // expect: timer-overwritten
  }

  dispose(): void {
    if (this.sweeping) clearInterval(this.sweeping);
  }
}

export function quotaGuard(ledger: QuotaLedger, windowMs: number) {
  ledger.prepare(windowMs);
  return (key: string) => (ledger.counts.get(key) ?? 0) < 100;
}

export class MirrorFeed {
  private pump?: NodeJS.Timeout;

  constructor(private readonly upstream: EventEmitter) {
    upstream.on('online', () => this.setup());
  }

  setup(): void {
    this.pump = setInterval(() => this.upstream.emit('pull'), 5_000); // expect: timer-overwritten
  }

  teardown(): void {
    clearInterval(this.pump);
  }
}

export class StatsStream {
  private tick: NodeJS.Timeout | null = null;

  constructor(private readonly call: EventEmitter) {
    call.on('data', (ms: number) => this.configure(ms));
  }

  // The only clear is the one just before the next start: once the stream is dropped,
  // nothing can stop the last interval.
  private configure(ms: number): void {
    if (this.tick) clearInterval(this.tick);
    this.tick = setInterval(() => this.call.emit('report'), ms); // expect: interval-not-cleared
  }
}
