// A sloppy-mode script: names assigned without a declaration become globals.
var http = require('http');

function remember(req) {
  if (typeof recentUrls === 'undefined') recentUrls = [];
  recentUrls.push(req.url); // expect: global-collection-growth
}

function countClient(req) {
  hitsByAddress = typeof hitsByAddress === 'undefined' ? {} : hitsByAddress;
  hitsByAddress[req.socket.remoteAddress] = (hitsByAddress[req.socket.remoteAddress] || 0) + 1; // expect: global-collection-growth
}

function firstLarge(items, size) {
  for (var i = 0; i < items.length; i++) {
    candidate = items[i]; // expect: implicit-global
    if (candidate.size > size) return candidate;
  }
  return null;
}

function handle(item) {
  return item.id;
}

function record(name, value) {
  if (!global.series[name]) global.series[name] = [];
  global.series[name].push({ value: value, at: Date.now() }); // expect: global-collection-growth
}

global.series = global.series || {};

http.createServer(function (req, res) {
  remember(req);
  countClient(req);
  record('requests', 1);
  res.end(String(firstLarge([], 0)));
}).listen(0);

module.exports = { handle };
