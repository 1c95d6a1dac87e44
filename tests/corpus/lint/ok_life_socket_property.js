// The same, cleared when the response ends.
const http = require('http');

http.createServer((req, res) => {
  const session = { user: req.headers['x-user'], started: Date.now() };
  req.socket.lastCall = { req, res, session };
  res.on('finish', () => { req.socket.lastCall = null; });
  res.end('ok');
}).listen(0);
