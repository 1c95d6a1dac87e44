// Run director in the style of sorry-cypress's director package (an express app answering the
// Cypress runner's POST /runs, /runs/:id/instances, /instances/:id/results; execution drivers
// chosen at start-up, 'in-memory' or 'mongo'; screenshots drivers handing out upload URLs;
// run timeouts; hooks fired on run start/finish). TypeScript, object-literal drivers.
import express, { Request, Response } from 'express';
import { MongoClient, Db } from 'mongodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import fetch from 'node-fetch';
import { EventEmitter } from 'events';

interface Run { runId: string; specs: { spec: string; claimed: boolean }[]; createdAt: number; meta: any }
interface ExecutionDriver {
  id: string;
  init(): Promise<void>;
  createRun(params: any): Promise<Run>;
  getNextTask(runId: string, groupId: string): Promise<string | null>;
  setInstanceResults(instanceId: string, results: any): Promise<void>;
}

const runEvents = new EventEmitter();

// ---- execution/in-memory: documented as for trying it out, but this is what runs in the demo
const runs: Record<string, Run> = {};
const instances: Record<string, any> = {};

const inMemoryDriver: ExecutionDriver = {
  id: 'in-memory',
  init: async () => {},
  createRun: async (params) => {
    const runId = `${params.ciBuildId}-${params.group ?? 'default'}`;
    if (!runs[runId]) {
      runs[runId] = { runId, specs: params.specs.map((spec: string) => ({ spec, claimed: false })), createdAt: Date.now(), meta: params }; // leak: unbounded-collection
    }
    return runs[runId];
  },
  getNextTask: async (runId) => {
    const next = runs[runId]?.specs.find((s) => !s.claimed);
    if (!next) return null;
    next.claimed = true;
    return next.spec;
  },
  setInstanceResults: async (instanceId, results) => {
    instances[instanceId] = results; // leak: unbounded-collection
  },
};

// ---- execution/mongo: one client for the process, made in init()
let db: Db;
let mongoClient: MongoClient;
const mongoDriver: ExecutionDriver = {
  id: 'mongo',
  init: async () => {
    mongoClient = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017'); // ok: resource-per-request
    await mongoClient.connect();
    db = mongoClient.db(process.env.MONGODB_DATABASE ?? 'sorry-cypress');
  },
  createRun: async (params) => {
    const runId = `${params.ciBuildId}-${params.group ?? 'default'}`;
    const run = { runId, specs: params.specs.map((spec: string) => ({ spec, claimed: false })), createdAt: Date.now(), meta: params };
    await db.collection('runs').updateOne({ runId }, { $setOnInsert: run }, { upsert: true });
    return run;
  },
  getNextTask: async (runId) => {
    const res = await db.collection('runs').findOneAndUpdate({ runId, 'specs.claimed': false }, { $set: { 'specs.$.claimed': true } });
    return (res as any)?.value?.specs.find((s: any) => !s.claimed)?.spec ?? null;
  },
  setInstanceResults: async (instanceId, results) => {
    await db.collection('instances').updateOne({ instanceId }, { $set: { results } }, { upsert: true });
  },
};

const drivers: Record<string, ExecutionDriver> = { 'in-memory': inMemoryDriver, mongo: mongoDriver };
const execution = drivers[process.env.EXECUTION_DRIVER ?? 'in-memory'];

// ---- screenshots/s3
const s3 = new S3Client({ region: process.env.S3_REGION }); // ok: resource-per-request
const uploadUrlCache = new Map<string, { url: string; until: number }>();

async function getUploadUrl(key: string) {
  const hit = uploadUrlCache.get(key);
  if (hit && hit.until > Date.now()) return hit.url;
  const { url } = await createPresignedPost(s3, { Bucket: process.env.S3_BUCKET!, Key: key, Expires: 3600 });
  uploadUrlCache.set(key, { url, until: Date.now() + 3_500_000 }); // leak: unbounded-cache
  return url;
}

// ---- run timeouts: a timer per run, cleared when the run completes
const runTimeouts = new Map<string, NodeJS.Timeout>();
function armRunTimeout(runId: string) {
  if (runTimeouts.has(runId)) return;
  runTimeouts.set(runId, setTimeout(() => { // ok: unbounded-collection
    runTimeouts.delete(runId);
    runEvents.emit('run:timeout', runId);
  }, Number(process.env.RUN_TIMEOUT_MS ?? 3_600_000)));
}
function disarmRunTimeout(runId: string) {
  clearTimeout(runTimeouts.get(runId));
  runTimeouts.delete(runId);
}

// ---- hooks: webhooks to Slack/GitHub, each hook is read from the project per call
async function fireHooks(event: string, run: Run) {
  for (const hook of run.meta.hooks ?? []) {
    await fetch(hook.url, { method: 'POST', body: JSON.stringify({ event, runId: run.runId }) });
  }
}

// ---- app.ts
export const app = express();
app.use(express.json({ limit: '50mb' }));

app.post('/runs', async (req: Request, res: Response) => {
  const run = await execution.createRun(req.body);
  armRunTimeout(run.runId);
  // one listener per POST /runs (every machine of a parallel run posts) on the shared emitter
  runEvents.on('run:timeout', (id: string) => { // leak: listener-leak
    if (id === run.runId) void fireHooks('timeout', run);
  });
  await fireHooks('run:start', run);
  res.json({ runId: run.runId, machineId: `${Date.now()}`, groupId: req.body.group, runUrl: `/run/${run.runId}` });
});

app.post('/runs/:runId/instances', async (req, res) => {
  const spec = await execution.getNextTask(req.params.runId, req.body.groupId);
  if (!spec) {
    disarmRunTimeout(req.params.runId);
    runEvents.emit('run:finish', req.params.runId);
  }
  res.json({ spec, instanceId: spec ? `${req.params.runId}:${spec}` : null });
});

app.post('/instances/:instanceId/results', async (req, res) => {
  await execution.setInstanceResults(req.params.instanceId, req.body);
  const screenshotUploadUrls = [] as { screenshotId: string; uploadUrl: string }[]; // ok: unbounded-collection
  for (const s of req.body.screenshots ?? []) {
    screenshotUploadUrls.push({ screenshotId: s.screenshotId, uploadUrl: await getUploadUrl(`${req.params.instanceId}/${s.screenshotId}.png`) }); // ok: unbounded-collection
  }
  res.json({ screenshotUploadUrls, videoUploadUrl: null });
});

app.get('/runs/:runId/wait', (req, res) => {
  const done = (id: string) => {
    if (id !== req.params.runId) return;
    cleanup();
    res.json({ finished: true });
  };
  const cleanup = () => {
    runEvents.off('run:finish', done);
    clearTimeout(t);
  };
  runEvents.on('run:finish', done); // ok: listener-leak
  const t = setTimeout(() => { cleanup(); res.json({ finished: false }); }, 60_000); // ok: timer-leak
  req.once('close', cleanup); // ok: listener-leak
});

app.get('/runs/:runId/progress', (req, res) => {
  res.setHeader('content-type', 'text/event-stream');
  const tick = setInterval(() => res.write(`data: ${JSON.stringify(runs[req.params.runId]?.specs ?? [])}\n\n`), 2000); // leak: timer-leak
  req.on('end', () => clearInterval(tick));
});

app.post('/runs/:runId/annotate', (req, res) => {
  // a per-run annotation printer that keeps every earlier printer and its request body
  const g = globalThis as any;
  g.sorryAnnotations ??= {};
  const prior = g.sorryAnnotations[req.params.runId];
  g.sorryAnnotations[req.params.runId] = () => `${prior ? prior() : ''}\n${JSON.stringify(req.body)}`; // leak: closure-capture
  res.sendStatus(204);
});

app.get('/health', (_req, res) => {
  (globalThis as any).sorryHealthChecks = ((globalThis as any).sorryHealthChecks ?? 0) + 1; // ok: global-growth
  res.json({ driver: execution.id, runs: Object.keys(runs).length });
});

export async function start(port = 1234) {
  await execution.init();
  (globalThis as any).sorryDirector = { driver: execution.id }; // ok: global-growth
  runEvents.on('run:finish', (id: string) => disarmRunTimeout(id)); // ok: listener-leak
  const server = app.listen(port, '127.0.0.1');
  process.once('SIGTERM', async () => { // ok: listener-leak
    server.close();
    for (const t of runTimeouts.values()) clearTimeout(t);
    await mongoClient?.close();
  });
}
