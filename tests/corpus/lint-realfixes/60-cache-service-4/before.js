var cacheCollection = require('./cacheCollection');

function cacheService(cacheServiceConfig, cacheModuleConfig) {
  var self = this;
  self.cacheCollection = new cacheCollection(cacheServiceConfig, cacheModuleConfig);

  // called for every value the application caches
  self.set = function (key, value, expiration, cb) {
    for (var i = 0; i < self.cacheCollection.preApi.length; i++) {
      cache = self.cacheCollection.preApi[i]; // leak: global-growth
      if (i === 0) {
        cache.set(key, value, expiration, cb);
      } else {
        cache.set(key, value, expiration);
      }
    }
    for (var i = 0; i < self.cacheCollection.postApi.length; i++) {
      cache = self.cacheCollection.postApi[i]; // leak: global-growth
      if (i === 0) {
        cache.set(key, value, expiration, cb);
      } else {
        cache.set(key, value, expiration);
      }
    }
  };

  self.del = function (keys, cb) {
    for (var i = 0; i < self.cacheCollection.preApi.length; i++) {
      cache = self.cacheCollection.preApi[i]; // leak: global-growth
      if (i === self.cacheCollection.preApi.length - 1) {
        cache.del(keys, cb);
      } else {
        cache.del(keys);
      }
    }
  };
}

module.exports = cacheService;
