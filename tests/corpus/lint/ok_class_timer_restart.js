'use strict';
// Look-alikes: handles cleared before they are replaced, started once, or kept per instance.
class Heartbeat {
  start() {
    this.timer = setInterval(() => this.ping(), 10_000);
  }

  restart() {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.ping(), 10_000);
  }

  stop() {
    clearInterval(this.timer);
  }

  ping() {}
}

class Widget {
  constructor(element) {
    this.element = element;
    this.readiness = setInterval(() => this.check(), 500);
  }

  check() {
    if (this.element.ready) clearInterval(this.readiness);
  }

  destroy() {
    clearInterval(this.readiness);
  }
}

let watchdog;
function armWatchdog() {
  clearInterval(watchdog);
  watchdog = setInterval(() => console.log('alive'), 60_000);
}

let sampler;
function startSampling() {
  if (sampler) return;
  sampler = setInterval(() => console.log(process.memoryUsage().rss), 1000);
}

function stopSampling() {
  clearInterval(sampler);
  sampler = undefined;
}

armWatchdog();

module.exports = { Heartbeat, Widget, armWatchdog, startSampling, stopSampling };
