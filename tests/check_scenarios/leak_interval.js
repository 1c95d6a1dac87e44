// Leak: each iteration starts a polling interval that is never cleared.
class Poller {
  constructor(id) {
    this.id = id;
    this.samples = [id, id + 1, id + 2];
  }

  poll() { this.samples.push(Date.now()); }
}

let next = 0;

exports.iteration = function startJob() {
  const poller = new Poller(next++);
  setInterval(() => poller.poll(), 3600 * 1000);
};
