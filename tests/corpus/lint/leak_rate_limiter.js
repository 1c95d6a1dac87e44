const hits = new Map();

module.exports = function rateLimit(req, res, next) {
  const count = (hits.get(req.ip) || 0) + 1;
  hits.set(req.ip, count); // expect: cache-without-eviction
  if (count > 100) return res.status(429).end();
  next();
};
