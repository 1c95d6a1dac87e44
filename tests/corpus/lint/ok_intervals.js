class Poller {
  constructor(source) {
    this.source = source;
    this.timer = null;
  }

  start() {
    this.timer = setInterval(() => this.poll(), 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  poll() {
    return this.source.read();
  }
}

function streamClock(req, res) {
  const tick = setInterval(() => res.write(`${Date.now()}\n`), 1000);
  req.on('close', () => clearInterval(tick));
}

function startRetry(job, timers) {
  const handle = setInterval(() => job.retry(), 500);
  timers.push(handle);
}

function every(ms, fn) {
  return setInterval(fn, ms);
}

// One interval for the whole process, started at load time.
setInterval(() => console.log('alive'), 60000).unref();

module.exports = { Poller, streamClock, startRetry, every };
