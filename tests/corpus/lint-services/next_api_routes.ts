// Next.js API routes (pages/api style), several routes in one module for the corpus (TS).
import type { NextApiRequest, NextApiResponse } from 'next';
import { PrismaClient } from '@prisma/client';
import Stripe from 'stripe';
import { LRUCache } from 'lru-cache';

declare global {
  // eslint-disable-next-line no-var
  var prismaGlobal: PrismaClient | undefined;
  // eslint-disable-next-line no-var
  var webhookEvents: string[] | undefined;
  // eslint-disable-next-line no-var
  var previewTokens: Map<string, NextApiRequest> | undefined;
}

const prisma = globalThis.prismaGlobal ?? new PrismaClient(); // ok: resource-per-request
if (process.env.NODE_ENV !== 'production') globalThis.prismaGlobal = prisma; // ok: global-growth

const stripe = new Stripe(process.env.STRIPE_KEY ?? '', { apiVersion: '2023-10-16' }); // ok: resource-per-request
const geoCache = new LRUCache<string, string>({ max: 1000 });
const ogImages: Record<string, Buffer> = {};
const rateWindows = new Map<string, number[]>();

export async function usersHandler(req: NextApiRequest, res: NextApiResponse) {
  const db = new PrismaClient(); // leak: resource-per-request
  const users = await db.user.findMany({ take: 20 });
  res.status(200).json(users);
}

export async function webhookHandler(req: NextApiRequest, res: NextApiResponse) {
  const event = stripe.webhooks.constructEvent(req.body, String(req.headers['stripe-signature']), 'whsec');
  globalThis.webhookEvents ??= [];
  globalThis.webhookEvents.push(event.id); // leak: global-growth
  res.json({ received: true });
}

export async function previewHandler(req: NextApiRequest, res: NextApiResponse) {
  globalThis.previewTokens ??= new Map();
  globalThis.previewTokens.set(String(req.query.token), req); // leak: global-growth
  res.setPreviewData({});
  res.redirect('/');
}

export async function geoHandler(req: NextApiRequest, res: NextApiResponse) {
  const ip = String(req.headers['x-forwarded-for'] ?? '');
  let country = geoCache.get(ip);
  if (!country) {
    country = await lookupCountry(ip);
    geoCache.set(ip, country); // ok: unbounded-cache
  }
  res.json({ country });
}

export async function ogImageHandler(req: NextApiRequest, res: NextApiResponse) {
  const title = String(req.query.title ?? '');
  if (!ogImages[title]) {
    ogImages[title] = await renderOg(title); // leak: unbounded-cache
  }
  res.setHeader('content-type', 'image/png');
  res.send(ogImages[title]);
}

export async function limitedHandler(req: NextApiRequest, res: NextApiResponse) {
  const ip = String(req.headers['x-forwarded-for'] ?? '');
  const now = Date.now();
  const hits = (rateWindows.get(ip) ?? []).filter((t) => now - t < 60_000);
  hits.push(now);
  if (hits.length === 0) rateWindows.delete(ip);
  rateWindows.set(ip, hits); // leak: unbounded-collection
  if (hits.length > 30) return res.status(429).end();
  const orders = await prisma.order.findMany({ where: { ip } });
  res.json(orders);
}

async function lookupCountry(ip: string): Promise<string> {
  return ip.startsWith('10.') ? 'internal' : 'unknown';
}

async function renderOg(title: string): Promise<Buffer> {
  return Buffer.from(title);
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  switch (req.query.route) {
    case 'users': return usersHandler(req, res);
    case 'webhook': return webhookHandler(req, res);
    case 'preview': return previewHandler(req, res);
    case 'geo': return geoHandler(req, res);
    case 'og': return ogImageHandler(req, res);
    default: return limitedHandler(req, res);
  }
}
