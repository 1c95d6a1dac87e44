'use strict';
// Look-alikes: an interval kept in a field by a method that runs once (from module-level
// code), or that clears or checks the old handle first, or whose class clears it on close.
const { EventEmitter } = require('events');

class Heartbeat {
  begin() {
    this.beat = setInterval(() => this.ping(), 10_000);
  }

  halt() {
    clearInterval(this.beat);
  }

  ping() {}
}

class Sampler {
  constructor(bus) {
    bus.on('ready', () => this.activate());
  }

  activate() {
    if (this.tick) clearInterval(this.tick);
    this.tick = setInterval(() => this.sample(), 1000);
  }

  deactivate() {
    clearInterval(this.tick);
  }

  sample() {}
}

class Pump extends EventEmitter {
  constructor(source) {
    super();
    source.on('resume', () => this.resume());
    source.on('pause', () => this.pause());
  }

  resume() {
    if (this.loop) return;
    this.loop = setInterval(() => this.emit('pull'), 250);
  }

  pause() {
    clearInterval(this.loop);
    this.loop = null;
  }
}

class Reporter {
  constructor(call) {
    this.call = call;
    call.on('data', (ms) => this.configure(ms));
    call.on('end', () => this.close());
  }

  configure(ms) {
    if (this.tick) clearInterval(this.tick);
    this.tick = setInterval(() => this.call.emit('report'), ms);
  }

  close() {
    clearInterval(this.tick);
  }
}

let refresher;
function ensureRefresh() {
  if (refresher) return;
  refresher = setInterval(() => console.log('refresh'), 30_000);
}

const server = require('http').createServer((req, res) => {
  ensureRefresh();
  res.end('ok');
});

const heartbeat = new Heartbeat();
heartbeat.begin();

module.exports = { server, heartbeat, Sampler, Pump, Reporter };
