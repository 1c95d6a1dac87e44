const MAX_EVENTS = 1000;
const events = [];
const active = new Set();
const pending = new Map();
let recent = [];
const handlers = new Map();

function record(event) {
  events.push(event);
  if (events.length > MAX_EVENTS) events.shift();
}

function open(conn) {
  active.add(conn);
  conn.on('close', () => active.delete(conn));
}

function enqueue(id, job) {
  pending.set(id, job);
}

function finish(id) {
  pending.delete(id);
}

function remember(item) {
  recent.push(item);
  recent = recent.slice(-50);
}

function registerHandler(name, fn) {
  handlers.set(name, fn);
}

// Filled once while the module loads.
const ROUTES = [];
ROUTES.push('/health', '/ready');

module.exports = { record, open, enqueue, finish, remember, registerHandler, ROUTES };
