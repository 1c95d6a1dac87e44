// ioredis: a Redis client. connect() runs on start and again from the
// 'close' handler's reconnect timer every time the connection drops.
import { EventEmitter } from 'events';
import * as net from 'net';

interface RedisOptions {
  host: string;
  port: number;
  maxScriptsCachingTime: number;
  retryStrategy(times: number): number | null;
}

export class Redis extends EventEmitter {
  status = 'wait';
  private addedScriptHashes: Record<string, true> = {};
  private addedScriptHashesCleanInterval: NodeJS.Timeout | null = null;
  private reconnectTimeout: NodeJS.Timeout | null = null;
  private retryAttempts = 0;
  private stream: net.Socket | null = null;
  private manuallyClosing = false;

  constructor(private readonly options: RedisOptions) {
    super();
    this.connect().catch(() => {});
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.status === 'connecting' || this.status === 'connect' || this.status === 'ready') {
        reject(new Error('Redis is already connecting/connected'));
        return;
      }

      // Each reconnect starts another interval and overwrites the field; the
      // previous interval keeps running and can never be cleared.
      this.addedScriptHashesCleanInterval = setInterval(() => { // leak: timer-leak
        this.addedScriptHashes = {};
      }, this.options.maxScriptsCachingTime);

      this.status = 'connecting';
      const stream = net.connect(this.options.port, this.options.host);
      this.stream = stream;
      stream.once('connect', () => {
        this.status = 'ready';
        this.retryAttempts = 0;
        resolve();
      });
      stream.once('error', (err) => reject(err));
      stream.once('close', () => this.onClose());
    });
  }

  private onClose(): void {
    this.status = 'reconnecting';
    if (this.manuallyClosing) {
      this.status = 'end';
      return;
    }
    const delay = this.options.retryStrategy(++this.retryAttempts);
    if (delay === null) {
      this.status = 'end';
      return;
    }
    this.reconnectTimeout = setTimeout(() => {
      this.reconnectTimeout = null;
      this.connect().catch(() => {});
    }, delay);
  }

  disconnect(reconnect = false): void {
    if (this.addedScriptHashesCleanInterval) clearInterval(this.addedScriptHashesCleanInterval);
    this.addedScriptHashesCleanInterval = null;
    if (!reconnect) this.manuallyClosing = true;
    if (this.reconnectTimeout && !reconnect) {
      clearTimeout(this.reconnectTimeout);
      this.reconnectTimeout = null;
    }
    this.stream?.destroy();
  }
}
