'use strict';
// Responses memoised in lru-cache@10 with a TTL but no max (lru-cache warns about exactly this).
const http = require('http');
const { LRUCache } = require('lru-cache');

const responseCache = new LRUCache({ ttl: 60 * 60 * 1000, ttlAutopurge: false }); // eval: lru-responses
const userCache = new LRUCache({ max: 50 });

class CachedResponse { // eval: lru-responses
  constructor(key) { // eval: lru-responses
    this.key = key;
    this.status = 200;
    this.body = JSON.stringify({ key, items: [1, 2, 3], generated: Date.now() });
  }
}

class UserRecord {
  constructor(id) { this.id = id; this.groups = new Array(16).fill('g' + id); }
}

let n = 0;
http.createServer((req, res) => {
  n += 1;
  const key = req.url + '#' + n;
  let cached = responseCache.get(key);
  if (!cached) {
    cached = new CachedResponse(key); // eval: lru-responses
    responseCache.set(key, cached); // eval: lru-responses
  }
  if (!userCache.has(n)) userCache.set(n, new UserRecord(n));
  res.end(cached.body);
}).listen(Number(process.env.PORT), '127.0.0.1');
