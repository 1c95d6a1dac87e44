// A module-level list that per-call code replaces with a longer copy of itself
// (`x = x.concat(y)`, `x = [...x, y]`) grows as a push would: the old array is dropped, the
// entries are all kept.
import { WebSocketServer } from 'ws';
import http from 'node:http';

let auditTrail = [];
let joined = [];
let preload = null;

const wss = new WebSocketServer({ port: 8081 });
wss.on('connection', (socket, request) => {
  joined = [...joined, { at: Date.now(), from: request.socket.remoteAddress }]; // expect: module-collection-growth
  socket.on('close', () => socket.terminate());
});

http.createServer((req, res) => {
  auditTrail = auditTrail.concat({ url: req.url, headers: req.headers }); // expect: module-collection-growth
  res.end('ok');
}).listen(8080);

export async function loadLanguages(languages) {
  preload = preload ? preload.concat(languages) : languages; // expect: module-collection-growth (known miss: a list that starts as null is not known to be a collection)
  return preload.length;
}
