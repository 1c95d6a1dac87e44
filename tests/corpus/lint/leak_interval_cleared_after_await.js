'use strict';
// A keep-alive interval per request, stopped only after the awaited work succeeds: when
// the work throws, nothing stops it.
const http = require('http');

async function renderInvoice(id) {
  return `invoice ${id}`;
}

const server = http.createServer(async (req, res) => {
  const keepAlive = setInterval(() => res.write(' '), 10_000); // expect: interval-not-cleared, closure-captures-request
  const body = await renderInvoice(req.url.slice(1));
  clearInterval(keepAlive);
  res.end(body);
});

module.exports = { server };
