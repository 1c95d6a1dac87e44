'use strict';
// A config bus on eventemitter3@5; each request subscribes to config changes and never leaves.
const http = require('http');
const EventEmitter = require('eventemitter3');

const configBus = new EventEmitter();
let config = { version: 1, limits: { rps: 100 } };

class RequestView { // eval: ee3-listeners
  constructor(id) { // eval: ee3-listeners
    this.id = id;
    this.limits = { ...config.limits };
    this.trail = ['start', 'auth', 'render'];
  }
}

class Acknowledgement {
  constructor(id) { this.id = id; this.payload = new Array(12).fill(id); }
}

let n = 0;
http.createServer((req, res) => {
  const view = new RequestView(++n); // eval: ee3-listeners
  configBus.on('config', (next) => { view.limits = { ...next.limits }; }); // eval: ee3-listeners
  const ack = new Acknowledgement(n);
  configBus.once('ack', () => { ack.payload[0] = 'done'; });
  configBus.emit('ack');
  if (n % 100 === 0) { config = { version: config.version + 1, limits: { rps: 100 + n } }; configBus.emit('config', config); }
  res.end('view ' + view.id);
}).listen(Number(process.env.PORT), '127.0.0.1');
