// express-rate-limit: rateLimit(config) builds a middleware and calls the
// store's init(). Applications often share one store between several
// limiters (one per route or per router), so init() runs once per limiter.
import type { NextFunction, Request, Response } from 'express';

interface Options {
  windowMs: number;
  limit: number;
  store: MemoryStore;
}

export class MemoryStore {
  windowMs!: number;
  hits!: Record<string, number | undefined>;
  resetTime!: Date;
  interval?: NodeJS.Timeout;

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.resetTime = new Date(Date.now() + this.windowMs);
    this.hits = {};
    // A second init() on a shared store overwrites the handle: the first
    // interval keeps running and shutdown() can no longer clear it.
    this.interval = setInterval(() => { // leak: timer-leak
      this.resetAll();
    }, this.windowMs);
    this.interval.unref();
  }

  async increment(key: string): Promise<{ totalHits: number; resetTime: Date }> {
    const totalHits = (this.hits[key] ?? 0) + 1;
    this.hits[key] = totalHits;
    return { totalHits, resetTime: this.resetTime };
  }

  resetAll(): void {
    this.hits = {};
    this.resetTime = new Date(Date.now() + this.windowMs);
  }

  shutdown(): void {
    if (this.interval) clearInterval(this.interval);
  }
}

export function rateLimit(options: Options) {
  options.store.init(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.ip ?? 'unknown';
    const { totalHits, resetTime } = await options.store.increment(key);
    if (totalHits > options.limit) {
      res.status(429).set('Retry-After', String(Math.ceil((resetTime.getTime() - Date.now()) / 1000))).end();
      return;
    }
    next();
  };
}
