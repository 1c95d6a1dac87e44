// Each request falls back to a brand-new keep-alive agent when the caller configured none:
// with the defaults, every request leaves an agent and its idle sockets behind.
const http = require('http');

const KEEP_ALIVE = { keepAlive: true, maxSockets: 50 };

module.exports = function makeClient(cfg) {
  return function request(path, done) {
    const opts = { path, host: cfg.host };
    opts.agent = cfg.agent || new http.Agent(KEEP_ALIVE); // expect: client-per-request
    http.get(opts, (res) => done(null, res)).on('error', done);
  };
};
