// The same shapes without the leak: `once` for the call's own event, and a listener removed
// when it has done its work.
const http = require('http');
const { EventEmitter } = require('events');

function Batcher() {
  EventEmitter.call(this);
}
Batcher.prototype = Object.create(EventEmitter.prototype);

Batcher.prototype.await = function (batchId, cb) {
  this.once(`flushed-${batchId}`, cb);
};

class Lanes {
  constructor() { this.free = []; }
  send(lane, body) {
    return new Promise((resolve) => {
      const onAck = (a) => {
        lane.off('ack', onAck);
        resolve(a.seq);
      };
      lane.on('ack', onAck);
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
