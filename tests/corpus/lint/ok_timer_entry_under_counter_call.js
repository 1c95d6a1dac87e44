'use strict';
// Pending calls are kept under an id a counter hands out, spelled straight in the key
// (`this.pending[this.nextCallId()]`) or through the message made for the call: no entry is
// ever replaced (read from session 10's reviews of centrifuge-js and socketcluster-server).
class Socket {
  constructor(transport) {
    this.transport = transport;
    this.callId = 0;
    this.pending = {};
    this.waiting = {};
  }

  nextCallId() {
    return ++this.callId;
  }

  ready(ms) {
    return new Promise((resolve, reject) => {
      const ctx = { resolve, reject };
      ctx.timeout = setTimeout(() => {
        for (const id in this.pending) {
          if (this.pending[id] === ctx) delete this.pending[id];
        }
        reject(new Error('timeout'));
      }, ms);
      this.pending[this.nextCallId()] = ctx;
    });
  }

  invoke(event, data, ms) {
    return new Promise((resolve, reject) => {
      const message = { event, data, cid: this.nextCallId() };
      const timeout = setTimeout(() => {
        delete this.waiting[message.cid];
        reject(new Error('timeout'));
      }, ms);
      this.waiting[message.cid] = { resolve, reject, timeout };
      this.transport.send(message);
    });
  }

  connected() {
    for (const id in this.pending) {
      clearTimeout(this.pending[id].timeout);
      this.pending[id].resolve();
      delete this.pending[id];
    }
  }

  settle(cid, reply) {
    const entry = this.waiting[cid];
    if (!entry) return;
    clearTimeout(entry.timeout);
    delete this.waiting[cid];
    entry.resolve(reply);
  }
}

module.exports = Socket;
