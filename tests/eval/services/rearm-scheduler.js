'use strict';
// A job scheduler whose jobs re-arm their own setTimeout forever; plain node http.
const http = require('http');

class HealthProbe { // eval: rearmed-probes
  constructor(target) { // eval: rearmed-probes
    this.target = target;
    this.failures = 0;
    this.history = [0, 0, 0, 0];
  }
  check() { this.history[this.failures % 4] = Date.now(); }
}

function schedule(probe, every) {
  const run = () => {
    probe.check();
    setTimeout(run, every); // eval: rearmed-probes
  };
  setTimeout(run, every); // eval: rearmed-probes
}

class OneShot {
  constructor(id) { this.id = id; this.data = new Array(16).fill(id); }
}

let n = 0;
http.createServer((req, res) => {
  n += 1;
  if (req.url.startsWith('/probe')) schedule(new HealthProbe('svc-' + n), 45000); // eval: rearmed-probes
  const shot = new OneShot(n);
  const t = setTimeout(() => shot.data.fill(0), 45000);
  res.on('finish', () => clearTimeout(t));
  res.end('scheduled');
}).listen(Number(process.env.PORT), '127.0.0.1');
