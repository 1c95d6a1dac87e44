'use strict';
// A client opened in a method that runs once per execution and closed on one branch only, and
// a connection from the project's own database module opened per request (issue 11, mode 2).
const redis = require('redis');

class RedisNode {
  async execute(operation, key) {
    const client = redis.createClient({ url: process.env.REDIS_URL }); // expect: client-per-request
    return new Promise((resolve, reject) => {
      client.on('error', reject);
      client.on('ready', async () => {
        if (operation === 'info') {
          resolve(await client.info());
          client.quit();
        } else {
          resolve(await client.get(key));
        }
      });
    });
  }
}

function databaseInfo(req, res, next) {
  const rdb = require('./database/redis');
  const cxn = rdb.connect(); // expect: client-per-request
  rdb.info(cxn, (err, info) => (err ? next(err) : res.json(info)));
}

module.exports = { RedisNode, databaseInfo };
