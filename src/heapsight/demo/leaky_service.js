'use strict';
// heapsight's demo service: a small HTTP API with four classic memory leaks planted in it, each
// in its own named handler, next to look-alikes that are written correctly. Plain `http`, no npm.
//
//   PORT=3000 node leaky_service.js
//   GET /orders     leak 1  unbounded-collection  requestLog grows by one RequestEntry per request
//   GET /subscribe  leak 2  listener-leak         a 'config' listener per request, never removed
//   GET /report     leak 3  unbounded-cache       reportCache keeps a CachedReport per request id
//   GET /poll       leak 4  timer-leak            a setInterval per request, never cleared
//   GET /recent     correct: a bounded cache (at most 50 entries)
//   GET /stream     correct: a listener removed when the response closes
//   GET /health     correct: nothing kept

const http = require('http');
const { EventEmitter } = require('events');

// Leak 1: every request appends to a module-level array that is never trimmed.
class RequestEntry {
  constructor(id, url, userAgent) {
    this.id = id;
    this.url = url;
    this.userAgent = userAgent;
    this.receivedAt = new Date().toISOString();
    this.notes = `request ${id} for ${url} `.repeat(8);
  }
}
const requestLog = [];

function handleOrders(id, req, res) {
  requestLog.push(new RequestEntry(id, req.url, req.headers['user-agent'] || ''));
  send(res, { orders: [], logged: requestLog.length });
}

// Leak 2: a long-lived emitter gets a listener per request; the closure keeps the Session alive.
class Session {
  constructor(id) {
    this.id = id;
    this.token = `session-${id}-`.padEnd(96, '*');
    this.preferences = { theme: 'dark', language: 'en', id };
  }
}
const configBus = new EventEmitter();
configBus.setMaxListeners(0); // silences Node's own MaxListenersExceededWarning, hiding the leak

function handleSubscribe(id, req, res) {
  const session = new Session(id);
  configBus.on('config', function onConfigChanged(config) {
    session.preferences = { ...session.preferences, ...config };
  });
  send(res, { subscribed: session.id });
}

// Leak 3: a cache keyed by something unique per request, with no size limit and no expiry.
class CachedReport {
  constructor(key) {
    this.key = key;
    this.rows = Array.from({ length: 16 }, (_, i) => ({ row: i, total: i * 7 }));
    this.createdAt = Date.now();
  }
}
const reportCache = new Map();

function handleReport(id, req, res) {
  const key = `report:${id}`;
  if (!reportCache.has(key)) reportCache.set(key, new CachedReport(key));
  send(res, { report: key, rows: reportCache.get(key).rows.length });
}

// Leak 4: a timer per request that is never cleared; its callback holds the per-request state.
class PollState {
  constructor(id) {
    this.id = id;
    this.attempts = 0;
    this.history = new Array(24).fill(id);
  }
}

function handlePoll(id, req, res) {
  const state = new PollState(id);
  setInterval(function pollUpstream() {
    state.attempts += 1;
  }, 60 * 60 * 1000);
  send(res, { polling: state.id });
}

// Correct look-alike: a cache that evicts its oldest entry beyond a fixed size.
class RecentItem {
  constructor(id) {
    this.id = id;
    this.body = `recent ${id}`;
  }
}
const RECENT_LIMIT = 50;
const recent = new Map();

function handleRecent(id, req, res) {
  recent.set(id, new RecentItem(id));
  if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value);
  send(res, { recent: recent.size });
}

// Correct look-alike: a listener removed when the response is done.
function handleStream(id, req, res) {
  const session = new Session(id);
  const onConfig = (config) => { session.preferences = { ...session.preferences, ...config }; };
  configBus.on('stream-config', onConfig);
  res.on('close', () => configBus.off('stream-config', onConfig));
  send(res, { streaming: session.id });
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
  '/recent': handleRecent,
  '/stream': handleStream,
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
  console.log(`leaky demo service listening on http://127.0.0.1:${port}/`);
});
