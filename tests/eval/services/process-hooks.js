'use strict';
// Request handlers that hook into process events; plain node http.
const http = require('http');

class RequestTrace { // eval: process-listeners
  constructor(id, url) { // eval: process-listeners
    this.id = id;
    this.url = url;
    this.spans = ['accept', 'route', 'render'];
  }
}

class CloseWatch { // eval: process-listeners
  constructor(id) { // eval: process-listeners
    this.id = id; this.flags = new Array(10).fill(false); }
}

let n = 0;
http.createServer((req, res) => {
  const trace = new RequestTrace(++n, req.url); // eval: process-listeners
  process.on('warning', () => console.error('warning during', trace.url)); // eval: process-listeners
  const watch = new CloseWatch(n); // eval: process-listeners
  req.once('close', () => { watch.flags[0] = true; });
  res.end('traced ' + trace.id);
}).listen(Number(process.env.PORT), '127.0.0.1');
