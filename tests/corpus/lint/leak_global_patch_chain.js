'use strict';
// Process-wide methods wrapped around whatever is there now: each re-evaluation of this
// module (a test runner's fresh registry, a hot reload) or each call wraps the last wrapper.
const http = require('node:http');
const pending = new Set();

const originalRequest = http.request;
http.request = function tracedRequest(...args) { // expect: global-patch-chain
  const req = originalRequest.apply(this, args);
  pending.add(req);
  req.on('close', () => pending.delete(req));
  return req;
};

process.emitWarning = ((previous) => function quietWarning(warning, ...rest) { // expect: global-patch-chain
  if (String(warning).includes('ExperimentalWarning')) return;
  return previous.call(process, warning, ...rest);
})(process.emitWarning);

function withRequestLogging(requestId) {
  const log = console.log;
  console.log = (...parts) => log(`[${requestId}]`, ...parts); // expect: global-patch-chain
}

module.exports = { pending, withRequestLogging };
