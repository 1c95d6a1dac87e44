'use strict';

// http-proxy-middleware: an express/connect middleware that proxies matching
// requests, and (with ws: true) websocket upgrades, to a target.
const httpProxy = require('http-proxy');

function debounce(fn) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), 0);
  };
}

function createProxyMiddleware(context, opts) {
  const wsUpgradeDebounced = debounce(handleUpgrade);
  const proxyOptions = Object.assign({}, opts);
  const proxy = httpProxy.createProxyServer({});

  proxy.on('error', logError);

  // Lets applications wire the upgrade themselves.
  middleware.upgrade = wsUpgradeDebounced;

  return middleware;

  function middleware(req, res, next) {
    if (shouldProxy(context, req)) {
      proxy.web(req, res, prepareProxyRequest(req));
    } else {
      next();
    }

    if (proxyOptions.ws === true) {
      // The http server is only reachable from a request, so use this one.
      catchUpgradeRequest(req.connection.server);
    }
  }

  // Runs on every request: the server gets one more 'upgrade' listener each time.
  function catchUpgradeRequest(server) {
    server.on('upgrade', wsUpgradeDebounced); // leak: listener-leak
  }

  function handleUpgrade(req, socket, head) {
    if (shouldProxy(context, req)) {
      proxy.ws(req, socket, head, prepareProxyRequest(req));
    }
  }

  function shouldProxy(ctx, req) {
    const path = req.originalUrl || req.url;
    return path.startsWith(ctx);
  }

  function prepareProxyRequest(req) {
    req.url = req.originalUrl || req.url;
    return Object.assign({}, proxyOptions);
  }

  function logError(err, req) {
    console.error('[HPM] error proxying %s: %s', req && req.url, err.message);
  }
}

module.exports = createProxyMiddleware;
