// A heartbeat kept while a copy runs, cleared only when the copy succeeds. Nothing in this file
// says who calls copyAll() or how often, but whoever runs it, a rejected write leaves the
// heartbeat running for good.
class Replicator {
  constructor(target, lease) {
    this.target = target;
    this.lease = lease;
  }

  async copyAll(chunks) {
    const keepAlive = setInterval(() => { // expect: interval-not-cleared
      this.lease.touch().catch(() => {});
    }, 15000);
    for (const chunk of chunks) await this.target.write(chunk);
    clearInterval(keepAlive);
  }
}

module.exports = Replicator;
