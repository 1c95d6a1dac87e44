const http = require('http');

function handle(req, res) {
  process.on('uncaughtException', (err) => { // expect: listener-not-removed
    console.error('request failed', err);
  });
  res.end('ok');
}

http.createServer(handle).listen(8080);
