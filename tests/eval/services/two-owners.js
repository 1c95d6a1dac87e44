'use strict';
// Client trackers kept by a registry Map and by a heartbeat listener. Plain node http.
const http = require('http');
const EventEmitter = require('events');

const heartbeat = new EventEmitter();
heartbeat.setMaxListeners(0);
const clients = new Map();

class ClientTracker { // eval: tracked-clients
  constructor(id, agent) { // eval: tracked-clients
    this.id = id;
    this.agent = agent;
    this.seen = [Date.now()];
    this.meta = { agent, firstSeen: new Date().toISOString(), plan: 'free' };
    this.onBeat = () => { this.seen[0] = Date.now(); };
  }
}

class RequestScope {
  constructor(id) {
    this.id = id;
    this.crumbs = new Array(24).fill('crumb');
    this.onBeat = () => { this.crumbs[0] = 'beat'; };
  }
}

let seq = 0;
http.createServer((req, res) => {
  const id = ++seq;
  const tracker = new ClientTracker(id, req.headers['user-agent'] || 'unknown'); // eval: tracked-clients
  clients.set(id, tracker); // eval: tracked-clients
  heartbeat.on('beat', tracker.onBeat); // eval: tracked-clients
  // The scope's listener is removed once the response is done.
  const scope = new RequestScope(id);
  heartbeat.on('beat', scope.onBeat);
  res.on('finish', () => heartbeat.off('beat', scope.onBeat));
  res.end('tracked ' + id);
}).listen(Number(process.env.PORT), '127.0.0.1');
setInterval(() => heartbeat.emit('beat'), 10000).unref();
