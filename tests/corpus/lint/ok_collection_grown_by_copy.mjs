// Copies that replace a module-level list without keeping it growing: a copy cut to the
// newest entries, a filter, a list reset when it passes a size or when a branch says so, and a
// copy made once at load.
import http from 'node:http';

const defaults = ['en', 'de'];
const supported = defaults.concat(['fr', 'es']);
let recent = [];
let active = [];
let pending = [];
let batch = [];

http.createServer((req, res) => {
  recent = [...recent, req.url].slice(-100);
  active = active.concat(req.url).filter((url) => url.startsWith('/live'));
  pending = pending.concat(req.url);
  if (pending.length > 500) pending = [];
  batch = req.url === '/flush' ? [] : batch.concat(req.url);
  res.end(supported.join(','));
}).listen(8080);
