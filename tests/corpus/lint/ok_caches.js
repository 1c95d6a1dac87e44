const { LRUCache } = require('lru-cache');
const db = require('./db');

const users = new LRUCache({ max: 500, ttl: 60_000 });
const sizes = new Map();
const MAX = 1000;
const meta = new WeakMap();
const templates = new Map();

async function getUser(id) {
  if (users.has(id)) return users.get(id);
  const user = await db.users.findById(id);
  users.set(id, user);
  return user;
}

function size(key) {
  if (sizes.has(key)) return sizes.get(key);
  if (sizes.size >= MAX) sizes.clear();
  const value = key.length;
  sizes.set(key, value);
  return value;
}

function metaFor(obj) {
  let m = meta.get(obj);
  if (!m) {
    m = { seen: Date.now() };
    meta.set(obj, m);
  }
  return m;
}

function template(name) {
  if (!templates.has(name)) templates.set(name, db.loadTemplate(name));
  return templates.get(name);
}

function invalidate(name) {
  templates.delete(name);
}

module.exports = { getUser, size, metaFor, template, invalidate };
