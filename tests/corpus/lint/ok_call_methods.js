'use strict';
// Look-alikes of leak_call_methods.js: the client is closed on every path, the connection is
// the module's shared one, and a start-up method opens the client it keeps.
const redis = require('redis');

class RedisNode {
  async execute(operation, key) {
    const client = redis.createClient({ url: process.env.REDIS_URL });
    try {
      await client.connect();
      return operation === 'info' ? await client.info() : await client.get(key);
    } finally {
      await client.quit();
    }
  }
}

class Cache {
  async connect() {
    const client = redis.createClient({ url: process.env.REDIS_URL });
    await client.connect();
    this.client = client;
  }
}

function databaseInfo(req, res, next) {
  const rdb = require('./database/redis');
  rdb.info(rdb.client, (err, info) => (err ? next(err) : res.json(info)));
}

module.exports = { RedisNode, Cache, databaseInfo };
