const hits = new Map();

// The window resets every minute, so the map holds at most one minute of clients.
setInterval(() => hits.clear(), 60_000).unref();

module.exports = function rateLimit(req, res, next) {
  const count = (hits.get(req.ip) || 0) + 1;
  hits.set(req.ip, count);
  if (count > 100) return res.status(429).end();
  next();
};
