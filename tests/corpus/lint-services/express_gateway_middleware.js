'use strict';
// API gateway middleware: factories configured at start-up, proxying with http agents (CommonJS, callbacks).
const http = require('http');
const https = require('https');
const express = require('express');
const { promisify } = require('util');
const zlib = require('zlib');

const gzip = promisify(zlib.gzip);
const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: 64 }); // ok: resource-per-request
const routeTable = new Map();
const pendingCallbacks = new Map();
const schemaMemo = new Map();
const compiledRoutes = [];

function compileRoute(pattern) {
  const re = new RegExp('^' + pattern.replace(/:\w+/g, '([^/]+)') + '$');
  compiledRoutes.push({ pattern, re }); // ok: unbounded-collection
  return re;
}

function loadRoutes(config) {
  for (const [pattern, target] of Object.entries(config)) {
    routeTable.set(compileRoute(pattern), target); // ok: unbounded-collection
  }
}

function validator(schemaName) {
  return function validate(req, res, next) {
    const key = schemaName + ':' + req.headers['content-type'];
    let check = schemaMemo.get(key);
    if (!check) {
      check = (body) => body != null && typeof body === 'object';
      schemaMemo.set(key, check); // leak: unbounded-cache
    }
    if (!check(req.body)) return res.status(400).json({ error: 'invalid body' });
    next();
  };
}

function proxy(options) {
  const agent = new https.Agent({ keepAlive: true }); // ok: resource-per-request
  return function proxyMiddleware(req, res, next) {
    const upstream = new http.Agent({ keepAlive: true }); // leak: resource-per-request
    const outgoing = http.request({ host: options.host, path: req.url, agent: options.tls ? agent : upstream }, (up) => {
      up.pipe(res);
    });
    outgoing.on('error', next);
    req.pipe(outgoing);
  };
}

function callbackRegistry(req, res, next) {
  const raw = [];
  req.on('data', (chunk) => raw.push(chunk)); // ok: listener-leak
  req.on('end', () => {
    const body = Buffer.concat(raw);
    const id = req.headers['x-callback-id'];
    const log = () => console.log('callback for', id, body.length);
    const respond = (result) => {
      log();
      res.json(result);
    };
    pendingCallbacks.set(id, () => log()); // leak: closure-capture, unbounded-collection
    respond({ accepted: true });
  });
}

function slowRequestWarning(req, res, next) {
  const warn = setTimeout(() => console.warn('slow request', req.method, req.originalUrl), 5000); // ok: timer-leak, closure-capture
  res.on('finish', () => clearTimeout(warn)); // ok: listener-leak
  res.on('close', () => clearTimeout(warn));
  next();
}

function keepWarm(req, res, next) {
  const url = req.query.warm;
  if (url) {
    setInterval(() => http.get(url, { agent: sharedAgent }, (r) => r.resume()), 60_000); // leak: timer-leak
  }
  next();
}

function onShutdown(req, res, next) {
  process.on('beforeExit', () => res.end()); // leak: listener-leak, closure-capture
  next();
}

async function compressLarge(req, res, next) {
  const send = res.send.bind(res);
  res.send = (payload) => {
    if (typeof payload !== 'string' || payload.length < 1024) return send(payload);
    gzip(payload).then((buf) => {
      res.setHeader('content-encoding', 'gzip');
      send(buf);
    }, next);
    return res;
  };
  next();
}

loadRoutes({ '/users/:id': 'users:8080', '/orders/:id': 'orders:8080' });

const app = express();
app.use(express.json());
app.use(slowRequestWarning);
app.use(compressLarge);
app.use(keepWarm);
app.use(onShutdown);
app.post('/callbacks', callbackRegistry);
app.post('/users', validator('user'), proxy({ host: 'users' }));
app.get('/orders/:id', proxy({ host: 'orders', tls: true }));
app.get('/callbacks/:id/done', (req, res) => {
  const cb = pendingCallbacks.get(req.params.id);
  res.json({ known: Boolean(cb) });
});

module.exports = app;
