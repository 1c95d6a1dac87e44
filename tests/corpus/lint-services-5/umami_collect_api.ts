import debug from 'debug';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { createClient, ClickHouseClient } from '@clickhouse/client';
import { NextApiRequest, NextApiResponse } from 'next';
import { LRUCache } from 'lru-cache';
import isbot from 'isbot';
import ipaddr from 'ipaddr.js';
import { ok, badRequest, forbidden, methodNotAllowed } from 'next-basics';
import prisma from '@umami/prisma-client';
import redis from '@umami/redis-client';
import { useCors, useValidate } from 'lib/middleware';
import { getClientInfo, hasBlockedIp } from 'lib/detect';
import { secret, uuid, visitSalt } from 'lib/crypto';
import { createToken, parseToken } from 'next-basics';
import { KAFKA, KAFKA_PRODUCER, CLICKHOUSE } from 'lib/db';

// After Umami v2: src/lib/kafka.ts, src/lib/clickhouse.ts, src/lib/cache.ts and src/pages/api/send.ts.
// Next.js API routes: every module below lives as long as the (serverless or node) instance does;
// the global[...] singletons only survive hot reload in development.

const log = debug('umami:collect');

// ---- lib/kafka.ts ----
let kafka: Kafka;
let producer: Producer;

function getKafkaClient() {
  const client = new Kafka({ // ok: resource-per-request
    clientId: 'umami',
    brokers: process.env.KAFKA_BROKER.split(','),
    connectionTimeout: 3000,
    logLevel: logLevel.ERROR,
  });
  if (process.env.NODE_ENV !== 'production') {
    global[KAFKA] = client; // ok: global-growth
  }
  return client;
}

async function connectKafka(): Promise<Kafka> {
  if (!kafka) {
    kafka = global[KAFKA] || getKafkaClient();
    producer = global[KAFKA_PRODUCER] || kafka.producer();
    await producer.connect();
    if (process.env.NODE_ENV !== 'production') global[KAFKA_PRODUCER] = producer; // ok: global-growth
  }
  return kafka;
}

async function sendMessage(topic: string, message: Record<string, string | number>) {
  await connectKafka();
  return producer.send({ topic, messages: [{ value: JSON.stringify(message) }], acks: -1 });
}

// replays for a website are sent on their own producer so a slow topic does not block events
async function sendReplayChunk(websiteId: string, chunk: Record<string, string | number>) {
  await connectKafka();
  const replayProducer = kafka.producer({ allowAutoTopicCreation: false }); // leak: resource-per-request
  await replayProducer.connect();
  await replayProducer.send({ topic: `replay_${websiteId}`, messages: [{ value: JSON.stringify(chunk) }] });
}

// ---- lib/clickhouse.ts ----
let clickhouse: ClickHouseClient;
const buffers: Record<string, object[]> = {};

function getClickhouse() {
  if (!clickhouse) {
    clickhouse = global[CLICKHOUSE] || createClient({ host: process.env.CLICKHOUSE_URL }); // ok: resource-per-request
    if (process.env.NODE_ENV !== 'production') global[CLICKHOUSE] = clickhouse; // ok: global-growth
  }
  return clickhouse;
}

async function flush(table: string) {
  const rows = buffers[table];
  if (!rows || rows.length === 0) return;
  delete buffers[table];
  await getClickhouse().insert({ table, values: rows, format: 'JSONEachRow' });
}

function insertBuffered(table: string, row: object) {
  if (!buffers[table]) {
    buffers[table] = [];
    setInterval(() => flush(table).catch((e) => log(e)), 5000); // leak: timer-leak
  }
  buffers[table].push(row); // ok: unbounded-collection
  if (buffers[table].length >= 1000) flush(table).catch((e) => log(e));
}

// ---- lib/cache.ts ----
const websiteCache = new LRUCache<string, any>({ max: 5000, ttl: 60_000 }); // ok: unbounded-cache
const sessionsSeen: Record<string, { websiteId: string; at: number }> = {};

async function fetchWebsite(websiteId: string) {
  const cached = websiteCache.get(websiteId);
  if (cached) return cached;
  const website = redis.enabled
    ? await redis.client.fetch(`website:${websiteId}`, () => prisma.client.website.findUnique({ where: { id: websiteId } }), 86400) // ok: unbounded-cache
    : await prisma.client.website.findUnique({ where: { id: websiteId } });
  if (website) websiteCache.set(websiteId, website); // ok: unbounded-cache
  return website;
}

async function findSession(req: NextApiRequest & { body: any }) {
  const { website: websiteId, hostname, screen, language } = req.body.payload;
  const cacheToken = req.headers['x-umami-cache'] as string;
  if (cacheToken) {
    const result = await parseToken(cacheToken, secret());
    if (result?.sessionId) return result;
  }
  const website = await fetchWebsite(websiteId);
  if (!website) throw new Error(`Website not found: ${websiteId}.`);

  const { userAgent, browser, os, ip, country, device } = await getClientInfo(req);
  const sessionSalt = visitSalt();
  const sessionId = uuid(websiteId, hostname, ip, userAgent, sessionSalt);

  sessionsSeen[sessionId] = { websiteId, at: Date.now() }; // leak: unbounded-cache
  global.__umamiLastSeen = global.__umamiLastSeen || {};
  global.__umamiLastSeen[`${websiteId}:${ip}`] = Date.now(); // leak: global-growth

  return { id: sessionId, sessionId, websiteId, hostname, browser, os, device, screen, language, country };
}

// ---- pages/api/send.ts ----
export default async (req: NextApiRequest & { body: any }, res: NextApiResponse) => {
  await useCors(req, res);

  if (req.method !== 'POST') return methodNotAllowed(res);
  if (isbot(req.headers['user-agent']) && !process.env.DISABLE_BOT_CHECK) return ok(res);
  if (hasBlockedIp(req)) return forbidden(res);

  const { type, payload } = req.body;
  if (!payload?.website || !ipaddr.isValid(String(req.headers['x-forwarded-for'] ?? '127.0.0.1').split(',')[0])) {
    return badRequest(res);
  }

  const session = await findSession(req);
  const eventId = uuid();
  const createdAt = new Date().toISOString();

  if (type === 'event') {
    const urlPath = payload.url?.split('?')[0] ?? '/';
    if (process.env.KAFKA_URL) {
      await sendMessage('event', { event_id: eventId, website_id: session.websiteId, session_id: session.id, url_path: urlPath, created_at: createdAt });
    } else {
      insertBuffered('website_event', { event_id: eventId, website_id: session.websiteId, session_id: session.id, url_path: urlPath, created_at: createdAt });
    }
  } else if (type === 'replay') {
    await sendReplayChunk(session.websiteId, { session_id: session.id, chunk: JSON.stringify(payload.events) });
  } else if (type === 'identify') {
    const rows = []; // ok: unbounded-collection
    for (const [key, value] of Object.entries(payload.data ?? {})) {
      rows.push({ session_id: session.id, data_key: key, string_value: String(value), created_at: createdAt }); // ok: unbounded-collection
    }
    await getClickhouse().insert({ table: 'session_data', values: rows, format: 'JSONEachRow' });
  }

  const token = createToken(session, secret());
  return ok(res, { cache: token, sessionId: session.id, visitId: eventId });
};

export const config = { api: { bodyParser: { sizeLimit: '1mb' } } };
export { useValidate, getClickhouse, connectKafka };
