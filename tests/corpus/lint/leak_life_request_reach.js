// Per-request listeners reached through the request: the server handed to a helper, and the
// socket read through a context object that wraps the request.
const http = require('http');

function Wrapper(req, res) {
  this.req = req;
  this.res = res;
}
Object.defineProperty(Wrapper.prototype, 'socket', { get() { return this.req.socket; } });

function listenForClose(srv, log) {
  srv.on('close', () => log.flush()); // expect: listener-not-removed
}

function onRequest(req, res) {
  const wrap = new Wrapper(req, res);
  wrap.socket.on('timeout', () => wrap.res.end()); // expect: listener-not-removed
  listenForClose(req.socket.server, console);
  res.end('ok');
}

http.createServer(onRequest).listen(0);
