import type { NextFunction, Request, Response } from 'express';

const requestLog: Record<string, number[]> = {};

export function rateWindow(req: Request, res: Response, next: NextFunction): void {
  (requestLog[req.ip ?? 'unknown'] ||= []).push(Date.now()); // expect: module-collection-growth
  next();
}
