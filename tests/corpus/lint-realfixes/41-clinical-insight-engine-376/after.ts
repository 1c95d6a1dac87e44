import type { Request, Response, NextFunction } from 'express';

type Window = { count: number; resetTime: number };

const requestStore = new Map<string, Window>();

// Sweep the windows that have ended, whether or not their client came back.
const sweeper = setInterval(() => {
  const now = Date.now();
  for (const [key, record] of requestStore) {
    if (now > record.resetTime) requestStore.delete(key);
  }
}, 60_000);
sweeper.unref();

export function rateLimiter(windowMs: number, max: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.ip ?? 'unknown';
    const now = Date.now();
    const record = requestStore.get(key);
    if (!record || now > record.resetTime) {
      requestStore.set(key, { count: 1, resetTime: now + windowMs });
      return next();
    }
    record.count += 1;
    if (record.count > max) {
      res.status(429).json({ error: 'Too many requests' });
      return;
    }
    next();
  };
}
