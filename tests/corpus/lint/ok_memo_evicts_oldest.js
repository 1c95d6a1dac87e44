'use strict';
// A small LRU: a hit is moved to the end (delete, then set again), a miss drops the oldest
// entry once there are 16; the delete before a set is no entry's end of life (read from
// session 11's reviews of mStream and whistle).
const memo = new Map();
const pacs = {};

function artists(req) {
  const key = req.query.scope;
  const hit = memo.get(key);
  if (hit) {
    memo.delete(key);
    memo.set(key, hit);
    return hit.rows;
  }
  const rows = loadRows(key);
  memo.set(key, { rows });
  while (memo.size > 16) {
    memo.delete(memo.keys().next().value);
  }
  return rows;
}

function pacFor(url) {
  let pac = pacs[url];
  if (pac) {
    delete pacs[url];
    pacs[url] = pac;
  } else {
    const list = Object.keys(pacs);
    if (list.length >= 10) {
      delete pacs[list[0]];
    }
    pacs[url] = pac = { url };
  }
  return pac;
}

function loadRows(key) {
  return [key];
}

module.exports = (app) => {
  app.get('/artists', (req, res) => res.json(artists(req)));
  app.get('/pac', (req, res) => res.json(pacFor(req.query.url)));
};
