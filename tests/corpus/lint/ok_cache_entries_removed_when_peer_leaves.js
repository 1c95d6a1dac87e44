// Latency per peer host, filled as pings come back and dropped when the last node of a host
// disconnects: the table holds the live hosts.
class LatencyTable {
  constructor() {
    this.byHost = new Map();
  }

  latencyOf(host, measure) {
    let entry = this.byHost.get(host);
    if (!entry) {
      entry = { ms: measure(host), nodes: 0 };
      this.byHost.set(host, entry);
    }
    return entry.ms;
  }

  removeHost(host) {
    this.byHost.delete(host);
  }
}

module.exports = new LatencyTable();
