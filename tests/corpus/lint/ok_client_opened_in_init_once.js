// The cache opens its one Redis client in init(), which the broker calls once after making
// the cache; close() quits it.
const Redis = require('ioredis');

class RedisCache {
  constructor(options) {
    this.options = options;
    this.client = null;
  }

  init(broker) {
    this.broker = broker;
    this.client = new Redis(this.options.redis);
  }

  get(key) {
    return this.client.get(key);
  }

  close() {
    return this.client.quit();
  }
}

module.exports = RedisCache;
