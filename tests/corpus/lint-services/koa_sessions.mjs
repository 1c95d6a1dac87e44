// Session gateway on Koa (ESM, async/await, koa-router).
import Koa from 'koa';
import Router from '@koa/router';
import bodyParser from 'koa-bodyparser';
import { createClient } from 'redis';
import crypto from 'node:crypto';

const redis = createClient({ url: process.env.REDIS_URL }); // ok: resource-per-request
await redis.connect();

globalThis.__sessionLog = globalThis.__sessionLog || [];
globalThis.__featureFlags = new Map(Object.entries({ beta: false, darkMode: true })); // ok: global-growth

const tokenMemo = {};
const userAgents = new Map();
const retryQueue = new Map();

function hashToken(token) {
  if (token in tokenMemo) return tokenMemo[token];
  const digest = crypto.createHash('sha256').update(token).digest('hex');
  tokenMemo[token] = digest; // leak: unbounded-cache
  return digest;
}

const router = new Router({ prefix: '/sessions' });

router.post('/', async (ctx) => {
  const { user, token } = ctx.request.body;
  const key = hashToken(token);
  await redis.set(`sess:${key}`, user, { EX: 3600 }).catch(() => {
    const retry = () => redis.set(`sess:${key}`, user, { EX: 3600 });
    const report = () => console.warn('session write retried', ctx.request.body, retry);
    retryQueue.set(key, report); // leak: closure-capture, unbounded-collection
  });
  globalThis.__sessionLog.push({ user, at: Date.now() }); // leak: global-growth
  ctx.status = 201;
  ctx.body = { key };
});

router.get('/:key', async (ctx) => {
  const user = await redis.get(`sess:${ctx.params.key}`);
  if (!user) ctx.throw(404);
  const flags = globalThis.__featureFlags.get('beta'); // ok: global-growth
  ctx.body = { user, beta: flags };
});

router.delete('/:key', async (ctx) => {
  await redis.del(`sess:${ctx.params.key}`);
  userAgents.delete(ctx.params.key); // ok: unbounded-collection
  ctx.status = 204;
});

const app = new Koa();
app.use(bodyParser());

app.use(async (ctx, next) => {
  const started = Date.now();
  await next();
  const ua = ctx.get('user-agent');
  if (userAgents.size >= 5000) userAgents.clear();
  userAgents.set(ctx.get('x-session-key') || ua, ua); // ok: unbounded-collection
  ctx.set('x-response-time', `${Date.now() - started}ms`);
});

app.use(async (ctx, next) => {
  const timer = setTimeout(() => { // ok: timer-leak, closure-capture
    ctx.status = 503;
  }, 10_000);
  try {
    await next();
  } finally {
    clearTimeout(timer);
  }
});

app.use(async (ctx, next) => {
  await next();
  const snapshot = ctx.request.body;
  setInterval(() => { // leak: timer-leak, closure-capture
    if (snapshot && snapshot.user) redis.expire(`sess:${snapshot.user}`, 3600);
  }, 60_000);
});

app.use(router.routes()).use(router.allowedMethods());

export default app.listen(Number(process.env.PORT) || 4000);
