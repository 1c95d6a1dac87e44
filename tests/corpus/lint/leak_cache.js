const db = require('./db');

const userCache = new Map();
const pageCache = {};

async function getUser(id) {
  if (userCache.has(id)) return userCache.get(id);
  const user = await db.users.findById(id);
  userCache.set(id, user); // expect: cache-without-eviction
  return user;
}

async function renderPage(url) {
  const hit = pageCache[url];
  if (hit) return hit;
  const html = await db.pages.render(url);
  pageCache[url] = html; // expect: cache-without-eviction
  return html;
}

module.exports = { getUser, renderPage };
