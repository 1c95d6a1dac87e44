// A sloppy-mode script: parseHeaders() forgets to declare `headerMap`, so every call makes
// the global a new map, fills it with that response's headers and leaves it behind: the
// global keeps the last response's headers (and what they reference) alive.
var http = require('http');

function parseHeaders(raw) {
  headerMap = new Map(); // expect: implicit-global
  raw.split('\r\n').forEach(function (line) {
    var at = line.indexOf(':');
    if (at > 0) headerMap.set(line.slice(0, at).toLowerCase(), line.slice(at + 1).trim());
  });
  return headerMap;
}

module.exports = function fetchHead(url, done) {
  http.get(url, function (res) {
    done(parseHeaders(res.rawHeaders.join('\r\n')));
  });
};
