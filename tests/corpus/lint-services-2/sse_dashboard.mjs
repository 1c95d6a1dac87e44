// Ops dashboard: Server-Sent Events fed by Redis pub/sub (node-redis v4) and an in-process bus.
import express from 'express';
import { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import { requireSession } from './auth.mjs';
import { loadDeploySince, metricsSnapshot } from './ops.mjs';

const app = express();
const bus = new EventEmitter();
const alerts = new EventTarget();
const clients = new Set();
const resumeHandlers = new Map();

const redisUrl = process.env.REDIS_URL ?? 'redis://localhost:6379';
const publisher = createClient({ url: redisUrl }); // ok: resource-per-request
const subscriber = publisher.duplicate(); // ok: resource-per-request
await Promise.all([publisher.connect(), subscriber.connect()]);

await subscriber.subscribe('deploys', (message) => bus.emit('deploy', JSON.parse(message)));
await subscriber.subscribe('alerts', (message) => alerts.dispatchEvent(new CustomEvent('alert', { detail: JSON.parse(message) })));

function send(res, event, data, id) {
  if (id) res.write(`id: ${id}\n`);
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function openStream(req, res) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

app.get('/events/overview', requireSession, (req, res) => {
  openStream(req, res);
  const client = { user: req.session.userId, res };
  clients.add(client); // ok: unbounded-collection
  const heartbeat = setInterval(() => res.write(': ping\n\n'), 20000); // ok: timer-leak
  const onAlert = (evt) => send(res, 'alert', evt.detail); // ok: closure-capture
  const controller = new AbortController();
  alerts.addEventListener('alert', onAlert, { signal: controller.signal }); // ok: listener-leak
  req.on('close', () => { // ok: listener-leak
    clearInterval(heartbeat);
    controller.abort();
    clients.delete(client);
  });
});

app.get('/events/deploys', requireSession, async (req, res) => {
  openStream(req, res);
  const since = req.get('last-event-id');
  if (since) {
    for (const d of await loadDeploySince(since)) send(res, 'deploy', d, d.id);
  }
  bus.on('deploy', (d) => send(res, 'deploy', d, d.id)); // leak: listener-leak, closure-capture
  resumeHandlers.set(req.session.userId, () => loadDeploySince(since).then((list) => list.forEach((d) => send(res, 'deploy', d)))); // leak: closure-capture, unbounded-collection
  req.on('close', () => {
    bus.off('deploy', (d) => send(res, 'deploy', d, d.id));
  });
});

app.get('/events/metrics', requireSession, (req, res) => {
  openStream(req, res);
  const ticker = setInterval(async () => { // leak: timer-leak
    send(res, 'metrics', await metricsSnapshot(req.query.service));
  }, 5000);
  res.on('finish', () => clearInterval(ticker));
});

app.get('/events/service/:name', requireSession, async (req, res) => {
  openStream(req, res);
  const channel = `svc:${req.params.name}`;
  const listener = (message) => send(res, 'status', JSON.parse(message)); // ok: closure-capture
  await subscriber.subscribe(channel, listener); // ok: listener-leak
  req.on('close', () => subscriber.unsubscribe(channel, listener));
});

app.get('/events/logs/:service', requireSession, async (req, res) => {
  openStream(req, res);
  const logs = subscriber.duplicate(); // leak: resource-per-request
  await logs.connect();
  await logs.pSubscribe(`logs:${req.params.service}:*`, (line, channel) => send(res, 'log', { channel, line }));
  req.on('close', () => logs.pUnsubscribe());
});

app.post('/deploys', express.json(), requireSession, async (req, res) => {
  await publisher.publish('deploys', JSON.stringify({ ...req.body, by: req.session.userId, at: Date.now() }));
  res.status(202).end();
});

app.get('/admin/streams', requireSession, (req, res) => {
  res.json({ overview: clients.size, resumable: resumeHandlers.size });
});

const server = app.listen(process.env.PORT ?? 8080);
process.once('SIGTERM', async () => { // ok: listener-leak
  for (const c of clients) c.res.end();
  server.close();
  await Promise.all([publisher.quit(), subscriber.quit()]);
});
