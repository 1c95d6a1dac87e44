// Correct: each job's interval is cleared when the next job replaces it.
class Poller {
  constructor(id) { this.id = id; this.samples = [id]; }
  poll() { this.samples.push(Date.now()); }
}

let current = null;
let timer = null;
let next = 0;

exports.iteration = function startJob() {
  if (timer) clearInterval(timer);
  current = new Poller(next++);
  const poller = current;
  timer = setInterval(() => poller.poll(), 3600 * 1000);
};

exports.teardown = function () { clearInterval(timer); };
