// Legacy metrics collector: a sloppy-mode script loaded with <script>-style require, no 'use strict'.
var http = require('http');
var os = require('os');

var PORT = process.env.PORT || 9100;
var startedAt = Date.now();
global.metricsRegistry = global.metricsRegistry || {};
global.hostname = os.hostname(); // ok: global-growth

function record(name, value) {
  if (!global.metricsRegistry[name]) {
    global.metricsRegistry[name] = [];
  }
  global.metricsRegistry[name].push({ value: value, at: Date.now() }); // leak: global-growth
}

function remember(req) {
  if (typeof lastRequests === 'undefined') lastRequests = [];
  lastRequests.push(req.url); // leak: global-growth
}

function trackClient(req) {
  clientHits = typeof clientHits === 'undefined' ? {} : clientHits;
  clientHits[req.socket.remoteAddress] = (clientHits[req.socket.remoteAddress] || 0) + 1; // leak: global-growth
}

function resetWindow() {
  var windowStart = Date.now();
  counters = {}; // ok: global-growth
  return windowStart;
}

function render() {
  var lines = [];
  for (var name in global.metricsRegistry) {
    var points = global.metricsRegistry[name];
    lines.push(name + ' ' + points[points.length - 1].value);
  }
  lines.push('uptime_seconds ' + Math.round((Date.now() - startedAt) / 1000));
  return lines.join('\n') + '\n';
}

var server = http.createServer(function (req, res) {
  remember(req);
  trackClient(req);
  record('http_requests_total', 1);
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(render());
    return;
  }
  if (req.url === '/reset') {
    resetWindow();
    counters.resets = (counters.resets || 0) + 1;
  }
  res.writeHead(404);
  res.end();
});

setInterval(function () { // ok: timer-leak
  record('load1', os.loadavg()[0]);
}, 10000);

server.listen(PORT);
