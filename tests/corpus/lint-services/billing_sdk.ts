// A class-based SDK/client wrapper for a billing API, used as a singleton by the app (TS).
import { EventEmitter } from 'node:events';
import https from 'node:https';
import { request } from 'undici';

export interface Invoice { id: string; amount: number; customer: string }

type Pending = { resolve: (v: Invoice) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class BillingClient extends EventEmitter {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 20 }); // ok: resource-per-request
  private readonly pending = new Map<string, Pending>();
  private readonly requestLog: Array<{ path: string; at: number }> = [];
  private readonly etags = new Map<string, string>();
  private readonly customerCache = new Map<string, { value: unknown; expires: number }>();
  private readonly idempotencyKeys = new Map<string, Promise<Invoice>>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private token = '';

  constructor(private readonly baseUrl: string, private readonly apiKey: string) {
    super();
  }

  async start(): Promise<void> {
    await this.refreshToken();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = setInterval(() => void this.refreshToken(), 50 * 60_000); // ok: timer-leak
  }

  close(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.agent.destroy();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  private async refreshToken(): Promise<void> {
    const res = await request(`${this.baseUrl}/token`, { method: 'POST', body: this.apiKey });
    this.token = String(await res.body.text());
  }

  private async call(path: string, init: { method: string; body?: string }): Promise<any> {
    this.requestLog.push({ path, at: Date.now() }); // leak: unbounded-collection
    const res = await request(`${this.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}`, 'if-none-match': this.etags.get(path) ?? '' },
    });
    const etag = res.headers.etag;
    if (typeof etag === 'string') this.etags.set(path, etag); // leak: unbounded-cache
    return res.body.json();
  }

  async getCustomer(id: string): Promise<unknown> {
    const hit = this.customerCache.get(id);
    if (hit && hit.expires > Date.now()) return hit.value;
    this.customerCache.delete(id);
    const value = await this.call(`/customers/${id}`, { method: 'GET' });
    if (this.customerCache.size >= 1000) this.customerCache.delete(this.customerCache.keys().next().value as string);
    this.customerCache.set(id, { value, expires: Date.now() + 30_000 }); // ok: unbounded-cache
    return value;
  }

  createInvoice(customer: string, amount: number, idempotencyKey: string): Promise<Invoice> {
    const existing = this.idempotencyKeys.get(idempotencyKey);
    if (existing) return existing;
    const p = this.call('/invoices', { method: 'POST', body: JSON.stringify({ customer, amount }) });
    this.idempotencyKeys.set(idempotencyKey, p); // leak: unbounded-cache
    return p;
  }

  waitForPayment(invoiceId: string, timeoutMs = 60_000): Promise<Invoice> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { // ok: timer-leak
        this.pending.delete(invoiceId);
        reject(new Error('payment timeout'));
      }, timeoutMs);
      this.pending.set(invoiceId, { resolve, reject, timer }); // ok: unbounded-collection
    });
  }

  onWebhook(invoice: Invoice): void {
    const p = this.pending.get(invoice.id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(invoice.id);
    p.resolve(invoice);
    this.emit('paid', invoice);
  }

  watchCustomer(customer: string, onPaid: (i: Invoice) => void): () => void {
    const handler = (i: Invoice) => { if (i.customer === customer) onPaid(i); };
    this.on('paid', handler); // ok: listener-leak
    return () => this.off('paid', handler);
  }

  watchForever(customer: string, onPaid: (i: Invoice) => void): void {
    this.on('paid', (i: Invoice) => { if (i.customer === customer) onPaid(i); }); // leak: listener-leak
  }

  reconnect(): void {
    this.refreshTimer = setInterval(() => void this.refreshToken(), 50 * 60_000); // leak: timer-leak
  }
}

export const billing = new BillingClient(process.env.BILLING_URL ?? 'http://127.0.0.1:8081', process.env.BILLING_KEY ?? ''); // ok: resource-per-request
