// Remix (v2, node adapter) route modules of the docs site, gathered in one file:
// app/routes/docs.$slug.ts, app/routes/api.upload.ts, app/routes/api.feedback.ts, app/utils/*.server.ts
import { json, redirect, unstable_parseMultipartFormData, unstable_createMemoryUploadHandler } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PrismaClient } from '@prisma/client';
import { LRUCache } from 'lru-cache';
import Stripe from 'stripe';
import { marked } from 'marked';
import { getDoc } from './docs.server';

declare global {
  // eslint-disable-next-line no-var
  var __db: PrismaClient | undefined;
  // eslint-disable-next-line no-var
  var __pageViews: Array<{ path: string; at: number; referrer: string | null }> | undefined;
}

export const db = globalThis.__db ?? (globalThis.__db = new PrismaClient()); // ok: global-growth
const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '', { apiVersion: '2023-10-16' }); // ok: resource-per-request

const rendered = new Map<string, string>();
const toc = new LRUCache<string, Array<{ id: string; title: string }>>({ max: 500, ttl: 10 * 60 * 1000 });
const inflight = new Map<string, Promise<string>>();

function renderMarkdown(cacheKey: string, source: string): string {
  const hit = rendered.get(cacheKey);
  if (hit) return hit;
  const html = marked.parse(source, { async: false }) as string;
  rendered.set(cacheKey, html); // leak: unbounded-cache
  return html;
}

function headings(slug: string, source: string) {
  let entry = toc.get(slug);
  if (!entry) {
    entry = [...source.matchAll(/^##\s+(.+)$/gm)].map((m) => ({ id: m[1].toLowerCase().replace(/\W+/g, '-'), title: m[1] }));
    toc.set(slug, entry); // ok: unbounded-cache
  }
  return entry;
}

function loadSource(slug: string, version: string): Promise<string> {
  const key = `${slug}@${version}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = getDoc(slug, version).finally(() => inflight.delete(key)); // ok: closure-capture
    inflight.set(key, pending); // ok: unbounded-collection
  }
  return pending;
}

function trackView(request: Request): void {
  globalThis.__pageViews ??= [];
  globalThis.__pageViews.push({ path: new URL(request.url).pathname, at: Date.now(), referrer: request.headers.get('referer') }); // leak: global-growth
}

// docs.$slug.ts
export async function loader({ request, params }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const version = url.searchParams.get('v') ?? 'latest';
  const source = await loadSource(params.slug ?? 'index', version);
  trackView(request);
  return json(
    { html: renderMarkdown(`${params.slug}?${url.search}`, source), toc: headings(params.slug ?? 'index', source) },
    { headers: { 'cache-control': 'public, max-age=60' } },
  );
}

// api.upload.ts
export async function uploadAction({ request }: ActionFunctionArgs) {
  const form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: 5_000_000 }));
  const file = form.get('file') as File;
  const s3 = new S3Client({ region: process.env.AWS_REGION }); // leak: resource-per-request
  const key = `uploads/${crypto.randomUUID()}-${file.name}`;
  await s3.send(new PutObjectCommand({ Bucket: process.env.UPLOAD_BUCKET, Key: key, Body: Buffer.from(await file.arrayBuffer()) }));
  await db.upload.create({ data: { key, size: file.size } });
  return json({ key });
}

// api.feedback.ts
export async function feedbackAction({ request }: ActionFunctionArgs) {
  const body = await request.formData();
  const sqs = new SQSClient({ region: process.env.AWS_REGION }); // ok: resource-per-request
  try {
    await sqs.send(new SendMessageCommand({
      QueueUrl: process.env.FEEDBACK_QUEUE_URL,
      MessageBody: JSON.stringify({ page: body.get('page'), helpful: body.get('helpful') === 'yes' }),
    }));
  } finally {
    sqs.destroy();
  }
  return redirect(String(body.get('page') ?? '/'));
}

// api.sponsor.ts
export async function sponsorAction({ request }: ActionFunctionArgs) {
  const body = await request.formData();
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: String(body.get('price')), quantity: 1 }],
    success_url: `${new URL(request.url).origin}/thanks`,
  });
  return redirect(session.url ?? '/');
}
