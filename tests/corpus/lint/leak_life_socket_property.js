// The request's objects stored on its keep-alive socket, never cleared.
const http = require('http');

http.createServer((req, res) => {
  const session = { user: req.headers['x-user'], started: Date.now() };
  req.socket.lastCall = { req, res, session }; // expect: closure-captures-request
  res.end('ok');
}).listen(0);
