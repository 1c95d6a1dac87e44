// Listeners on the server added once, behind a first-time flag; on the request's own
// objects; and on a socket only once per socket.
const http = require('http');

let watching = false;

function listenForClose(srv, log) {
  if (!watching) {
    srv.on('close', () => log.flush());
    watching = true;
  }
}

function onRequest(req, res) {
  const started = Date.now();
  res.on('finish', () => console.log(Date.now() - started));
  if (!req.socket.listeners('timeout').length) {
    req.socket.on('timeout', () => req.socket.destroy());
  }
  listenForClose(req.socket.server, console);
  res.end('ok');
}

http.createServer(onRequest).listen(0);
