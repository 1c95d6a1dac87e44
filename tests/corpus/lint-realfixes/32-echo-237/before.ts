import { PrismaClient } from '@prisma/client';
import type { Request, Response, NextFunction } from 'express';

export async function verifyApiKey(req: Request, res: Response, next: NextFunction) {
  const prisma = new PrismaClient(); // leak: resource-per-request
  const key = req.header('x-api-key');
  const apiKey = key ? await prisma.apiKey.findUnique({ where: { key } }) : null;
  if (!apiKey) {
    res.status(401).json({ error: 'invalid api key' });
    return;
  }
  res.locals.apiKey = apiKey;
  next();
}
