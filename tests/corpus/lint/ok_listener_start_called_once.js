// The daemon starts its forwarder once; start() is called from nowhere else in this file
// (the daemon's entry point calls it at boot), so its listeners go on once.
function Forwarder(bus, sink) {
  this.bus = bus;
  this.sink = sink;
}

Forwarder.prototype.startForwarding = function () {
  this.bus.on('log', (line) => this.sink.write(line));
  process.on('SIGHUP', () => this.sink.reopen());
};

module.exports = Forwarder;
