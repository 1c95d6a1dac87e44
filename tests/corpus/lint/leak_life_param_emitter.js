// An `on` listener for an event named after the call's own id (it fires once, and the
// listener is never used again nor removed); and a listener added by a method to an emitter
// its caller takes out of a long-lived collection kept by an outer closure.
const http = require('http');
const { EventEmitter } = require('events');

function Batcher() {
  EventEmitter.call(this);
}
Batcher.prototype = Object.create(EventEmitter.prototype);

Batcher.prototype.await = function (batchId, cb) {
  this.on(`flushed-${batchId}`, cb); // expect: listener-not-removed
};

class Lanes {
  constructor() { this.free = []; }
  send(lane, body) {
    return new Promise((resolve) => {
      lane.on('ack', (a) => resolve(a.seq)); // expect: listener-not-removed
      lane.write(body);
    });
  }
}

function boot() {
  const lanes = new Lanes();
  http.createServer(async (req, res) => {
    const lane = lanes.free[0];
    res.end(String(lane ? await lanes.send(lane, req.url) : 'busy'));
  }).listen(0);
}

boot();
module.exports = { Batcher };
