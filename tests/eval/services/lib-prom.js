'use strict';
// Request metrics with prom-client@15, labelled by the raw path (ids included).
const http = require('http');
const client = require('prom-client');

const registry = new client.Registry();
const latency = new client.Histogram({ // eval: prom-labels
  name: 'http_request_seconds', help: 'request latency', labelNames: ['path'],
  buckets: [0.01, 0.1, 1], registers: [registry],
});
const byStatus = new client.Counter({
  name: 'http_responses_total', help: 'responses by status', labelNames: ['method', 'status'],
  registers: [registry],
});

let orderId = 1000;
http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  const path = req.url.startsWith('/orders') ? `/orders/${++orderId}` : req.url;
  res.end(JSON.stringify({ path }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latency.observe({ path }, seconds); // eval: prom-labels
  byStatus.inc({ method: req.method, status: String(res.statusCode) });
}).listen(Number(process.env.PORT), '127.0.0.1');
