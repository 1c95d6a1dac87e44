import http from 'node:http';
import { once } from 'node:events';

const connections = new Set();

const server = http.createServer(async (req, res) => {
  process.on('warning', (w) => console.warn(req.url, w.message)); // expect: listener-not-removed, closure-captures-request
  connections.add(res.socket); // expect: module-collection-growth
  await once(req, 'end');
  res.end('ok');
});

server.listen(8080);
