'use strict';
// Background tasks started in IIFEs while the module loads: each runs once per process (read
// in session 13 from half I's reviews of btc-rpc-explorer).
const caches = [];

(function () {
  const prune = () => caches.forEach((cache) => cache.purgeStale());
  setInterval(prune, 60000);
})();

(async () => {
  setInterval(() => console.log('caches', caches.length), 300000);
})();

module.exports = { caches };
