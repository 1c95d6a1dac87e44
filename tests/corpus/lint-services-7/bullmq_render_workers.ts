// BullMQ workers in the shape of the bullmq docs and of apps built on it (Taskforce-style
// processors): one Worker per queue made at boot with a shared IORedis connection, a processor
// function per job, QueueEvents for completion, FlowProducer for parent/child jobs, sandboxed
// processors, graceful close on SIGTERM. Processors run once per job.
import { Worker, Queue, QueueEvents, FlowProducer, Job, UnrecoverableError } from 'bullmq';
import IORedis from 'ioredis';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import puppeteer, { Browser } from 'puppeteer';
import pino from 'pino';

const logger = pino({ name: 'render-workers' });
const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null }); // ok: resource-per-request
const s3 = new S3Client({ region: process.env.AWS_REGION }); // ok: resource-per-request

interface RenderJob { url: string; format: 'pdf' | 'png'; tenantId: string; webhook?: string }
interface ThumbJob { key: string; sizes: number[] }

const thumbQueue = new Queue<ThumbJob>('thumbs', { connection });
const renderEvents = new QueueEvents('render', { connection });
const flow = new FlowProducer({ connection });

// per-tenant state kept by the long-lived worker process
const tenantUsage = new Map<string, number>();
const failures: Array<{ id?: string; reason: string; data: RenderJob }> = [];
const webhookQueues = new Map<string, Queue>();
let browser: Browser | undefined;

async function sharedBrowser(): Promise<Browser> {
  if (!browser || !browser.connected) {
    browser = await puppeteer.launch({ headless: true, args: ['--no-sandbox'] }); // ok: resource-per-request
    browser.once('disconnected', () => { browser = undefined; }); // ok: listener-leak
  }
  return browser;
}

class TenantLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private sweeper: NodeJS.Timeout;

  constructor(private readonly perMinute: number) {
    this.sweeper = setInterval(() => this.sweep(), 60_000); // ok: timer-leak
  }

  allow(tenantId: string): boolean {
    const now = Date.now();
    const w = this.windows.get(tenantId);
    if (!w || now - w.start > 60_000) {
      this.windows.set(tenantId, { start: now, count: 1 }); // ok: unbounded-collection
      return true;
    }
    w.count += 1;
    return w.count <= this.perMinute;
  }

  private sweep() {
    const now = Date.now();
    for (const [k, w] of this.windows) if (now - w.start > 60_000) this.windows.delete(k);
  }

  close() { clearInterval(this.sweeper); }
}

const limiter = new TenantLimiter(Number(process.env.RENDER_PER_MINUTE ?? 30));

function webhookQueueFor(tenantId: string): Queue {
  let q = webhookQueues.get(tenantId);
  if (!q) {
    q = new Queue(`webhooks-${tenantId}`, { connection }); // ok: resource-per-request
    webhookQueues.set(tenantId, q); // ok: unbounded-collection
  }
  return q;
}

async function renderProcessor(job: Job<RenderJob>) {
  const { url, format, tenantId, webhook } = job.data;
  if (!limiter.allow(tenantId)) throw new Error('rate limited');
  tenantUsage.set(tenantId, (tenantUsage.get(tenantId) ?? 0) + 1); // ok: unbounded-collection

  const b = await sharedBrowser();
  const page = await b.newPage(); // ok: resource-per-request
  try {
    const heartbeat = setInterval(() => job.updateProgress(50).catch(() => undefined), 5_000); // leak: timer-leak
    page.on('console', (msg) => logger.debug({ job: job.id, msg: msg.text() })); // ok: listener-leak
    await page.goto(url, { waitUntil: 'networkidle0', timeout: 30_000 });
    const body = format === 'pdf' ? await page.pdf({ format: 'A4' }) : await page.screenshot({ fullPage: true });
    clearInterval(heartbeat);
    const key = `${tenantId}/${job.id}.${format}`;
    await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: key, Body: body }));
    await thumbQueue.add('thumb', { key, sizes: [320, 640] }, { removeOnComplete: 1000, removeOnFail: 5000 });
    if (webhook) await webhookQueueFor(tenantId).add('deliver', { webhook, key });
    return { key };
  } finally {
    await page.close();
  }
}

async function thumbProcessor(job: Job<ThumbJob>) {
  const results: string[] = [];
  for (const size of job.data.sizes) {
    results.push(`${job.data.key}@${size}`); // ok: unbounded-collection
    await job.updateProgress(Math.round((results.length / job.data.sizes.length) * 100));
  }
  return results;
}

async function reportProcessor(job: Job<{ tenantId: string; jobIds: string[] }>) {
  const waits = job.data.jobIds.map((id) => new Promise<void>((resolve) => {
    renderEvents.on('completed', ({ jobId }) => { // leak: listener-leak
      if (jobId === id) resolve();
    });
  }));
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 120_000))]); // ok: timer-leak
  return { done: job.data.jobIds.length };
}

async function waitForChildren(job: Job) {
  // waits for one job with an abortable listener, removed on every ending path
  const ac = new AbortController();
  const onDone = ({ jobId }: { jobId: string }) => { if (jobId === job.id) ac.abort(); };
  renderEvents.on('completed', onDone); // ok: listener-leak
  try {
    await job.waitUntilFinished(renderEvents, 60_000);
  } finally {
    renderEvents.off('completed', onDone);
  }
}

export const renderWorker = new Worker<RenderJob>('render', renderProcessor, { connection, concurrency: 4 });
export const thumbWorker = new Worker<ThumbJob>('thumbs', thumbProcessor, { connection, concurrency: 8 });
export const reportWorker = new Worker('reports', reportProcessor, { connection });

renderWorker.on('failed', (job, err) => { // ok: listener-leak
  if (!job) return;
  failures.push({ id: job.id, reason: err.message, data: job.data }); // leak: unbounded-collection
  if (err instanceof UnrecoverableError) logger.error({ job: job.id }, 'gave up');
});

renderWorker.on('completed', async (job) => { // ok: listener-leak
  await waitForChildren(job).catch(() => undefined);
  await flow.add({
    name: 'bundle', queueName: 'bundles', data: { tenantId: job.data.tenantId },
    children: [{ name: 'thumb', queueName: 'thumbs', data: { key: job.returnvalue.key, sizes: [96] } }],
  });
});

thumbWorker.on('error', (err) => logger.error(err)); // ok: listener-leak

async function shutdown() {
  limiter.close();
  await Promise.all([renderWorker.close(), thumbWorker.close(), reportWorker.close()]);
  await Promise.all([...webhookQueues.values()].map((q) => q.close()));
  await renderEvents.close();
  await browser?.close();
  await connection.quit();
  process.exit(0);
}

process.once('SIGTERM', shutdown); // ok: listener-leak
process.once('SIGINT', shutdown); // ok: listener-leak
