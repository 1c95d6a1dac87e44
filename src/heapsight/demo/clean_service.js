'use strict';
// The leak-free twin of leaky_service.js: the same routes, each written the correct way
// (bounded log, listener removed on close, cache with a size limit and a TTL, timer cleared).
// heapsight uses it to show that a healthy service gets a clean bill.
//
//   PORT=3000 node clean_service.js

const http = require('http');
const { EventEmitter } = require('events');

class RequestEntry {
  constructor(id, url, userAgent) {
    this.id = id;
    this.url = url;
    this.userAgent = userAgent;
    this.receivedAt = new Date().toISOString();
  }
}
const LOG_LIMIT = 100;
const requestLog = [];

function handleOrders(id, req, res) {
  requestLog.push(new RequestEntry(id, req.url, req.headers['user-agent'] || ''));
  if (requestLog.length > LOG_LIMIT) requestLog.splice(0, requestLog.length - LOG_LIMIT);
  send(res, { orders: [], logged: requestLog.length });
}

class Session {
  constructor(id) {
    this.id = id;
    this.preferences = { theme: 'dark', language: 'en', id };
  }
}
const configBus = new EventEmitter();

function handleSubscribe(id, req, res) {
  const session = new Session(id);
  const onConfig = (config) => { session.preferences = { ...session.preferences, ...config }; };
  configBus.on('config', onConfig);
  res.on('close', () => configBus.off('config', onConfig));
  send(res, { subscribed: session.id });
}

class CachedReport {
  constructor(key) {
    this.key = key;
    this.rows = Array.from({ length: 16 }, (_, i) => ({ row: i, total: i * 7 }));
    this.createdAt = Date.now();
  }
}
const CACHE_LIMIT = 50;
const CACHE_TTL_MS = 60 * 1000;
const reportCache = new Map();

function handleReport(id, req, res) {
  // Keyed by what the report is (a small, fixed key space), not by who asked for it.
  const key = `report:${new URL(req.url, 'http://localhost').searchParams.get('kind') || 'summary'}`;
  const cached = reportCache.get(key);
  if (!cached || Date.now() - cached.createdAt > CACHE_TTL_MS) {
    reportCache.delete(key);
    reportCache.set(key, new CachedReport(key));
    if (reportCache.size > CACHE_LIMIT) reportCache.delete(reportCache.keys().next().value);
  }
  send(res, { report: key, rows: reportCache.get(key).rows.length });
}

class PollState {
  constructor(id) {
    this.id = id;
    this.attempts = 0;
  }
}

function handlePoll(id, req, res) {
  const state = new PollState(id);
  const timer = setInterval(() => { state.attempts += 1; }, 60 * 60 * 1000);
  res.on('close', () => clearInterval(timer));
  send(res, { polling: state.id });
}

function handleHealth(id, req, res) {
  send(res, { ok: true, uptime: process.uptime() });
}

function send(res, body) {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const routes = {
  '/orders': handleOrders,
  '/subscribe': handleSubscribe,
  '/report': handleReport,
  '/poll': handlePoll,
  '/health': handleHealth,
};

let nextId = 0;
const server = http.createServer((req, res) => {
  const handler = routes[new URL(req.url, 'http://localhost').pathname];
  if (!handler) {
    res.writeHead(404);
    res.end();
    return;
  }
  nextId += 1;
  handler(nextId, req, res);
});

const port = Number(process.env.PORT || 3000);
server.listen(port, '127.0.0.1', () => {
  console.log(`clean demo service listening on http://127.0.0.1:${port}/`);
});
