'use strict';

// Thumbnail service: a cluster of HTTP workers, each with a worker_threads pool for image work.
const cluster = require('node:cluster');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const RESIZE_SCRIPT = path.join(__dirname, 'resize-worker.js');
const PROBE_SCRIPT = path.join(__dirname, 'probe-worker.js');

class WorkerPool {
  constructor(script, size) {
    this.script = script;
    this.size = size;
    this.idle = [];
    this.queue = [];
    this.callbacks = new Map();
    this.nextId = 1;
    for (let i = 0; i < size; i++) this.spawn();
  }

  spawn() {
    const worker = new Worker(this.script); // ok: resource-per-request
    worker.on('message', ({ id, error, result }) => { // ok: listener-leak
      const cb = this.callbacks.get(id);
      this.callbacks.delete(id);
      worker.currentTask = null;
      this.idle.push(worker); // ok: unbounded-collection
      this.drain();
      if (cb) error ? cb.reject(new Error(error)) : cb.resolve(result);
    });
    worker.on('error', (err) => {
      if (worker.currentTask) {
        const cb = this.callbacks.get(worker.currentTask);
        this.callbacks.delete(worker.currentTask);
        if (cb) cb.reject(err);
      }
      this.idle = this.idle.filter((w) => w !== worker);
      this.spawn();
    });
    this.idle.push(worker);
  }

  run(payload) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.callbacks.set(id, { resolve, reject }); // ok: unbounded-collection
      this.queue.push({ id, payload }); // ok: unbounded-collection
      this.drain();
    });
  }

  drain() {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop();
      const task = this.queue.shift();
      worker.currentTask = task.id;
      worker.postMessage(task);
    }
  }

  runOn(worker, payload) {
    return new Promise((resolve) => {
      worker.on('message', (msg) => resolve(msg.result)); // leak: listener-leak
      worker.postMessage({ id: 0, payload });
    });
  }

  async close() {
    await Promise.all(this.idle.map((w) => w.terminate()));
  }
}

function probeImage(url) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(PROBE_SCRIPT, { workerData: { url } }); // ok: resource-per-request
    worker.once('message', resolve); // ok: listener-leak
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`probe exited ${code}`)));
  });
}

function watermark(buffer, text) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'watermark-worker.js')); // leak: resource-per-request
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage({ buffer, text }, [buffer.buffer]);
  });
}

function startPrimary() {
  const healthPings = new Map();
  const workerStats = {};
  global.restartLog = global.restartLog || [];

  const watch = (worker) => {
    healthPings.set(worker.id, setInterval(() => worker.send({ cmd: 'ping' }), 5000)); // ok: timer-leak
    setInterval(() => { // leak: timer-leak
      if (worker.isConnected()) worker.send({ cmd: 'report-metrics' });
    }, 15000);
    worker.on('message', (msg) => { // ok: listener-leak
      if (msg.cmd === 'metrics') workerStats[worker.id] = msg.stats; // ok: unbounded-collection
    });
  };

  for (let i = 0; i < os.availableParallelism(); i++) watch(cluster.fork());

  cluster.on('exit', (worker, code, signal) => { // ok: listener-leak
    clearInterval(healthPings.get(worker.id));
    healthPings.delete(worker.id);
    delete workerStats[worker.id];
    global.restartLog.push({ id: worker.id, code, signal, at: new Date().toISOString() }); // leak: global-growth
    watch(cluster.fork());
  });
}

function startWorker() {
  const pool = new WorkerPool(RESIZE_SCRIPT, 2);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (url.pathname === '/thumb') {
        const info = await probeImage(url.searchParams.get('src'));
        const out = await pool.run({ src: url.searchParams.get('src'), width: Number(url.searchParams.get('w')) || 200, info });
        res.writeHead(200, { 'content-type': 'image/webp' }).end(Buffer.from(out));
      } else if (url.pathname === '/warm') {
        const worker = pool.idle[0];
        const result = worker ? await pool.runOn(worker, { warm: true }) : 'busy';
        res.end(String(result));
      } else if (url.pathname === '/watermark' && req.method === 'POST') {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk); // ok: unbounded-collection
        const out = await watermark(Buffer.concat(chunks), url.searchParams.get('text') || '');
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(out));
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500).end(err.message);
    }
  });
  server.listen(Number(process.env.PORT) || 8000);

  process.on('message', (msg) => { // ok: listener-leak
    if (msg.cmd === 'ping') process.send({ cmd: 'pong' });
    if (msg.cmd === 'report-metrics') process.send({ cmd: 'metrics', stats: { rss: process.memoryUsage().rss, queued: pool.queue.length } });
  });
  process.once('SIGTERM', () => server.close(() => pool.close())); // ok: listener-leak
}

if (cluster.isPrimary) startPrimary();
else startWorker();
