// Listener modes of the sixth session (lifetime from the removal side), each under names and
// shapes of its own.
const net = require('node:net');
const { EventEmitter } = require('node:events');

const feed = new EventEmitter();

// A per-message callback adds the same shared function to a module-level emitter each time:
// Node's emitters keep it once per add.
exports.attachViewer = (channel) => {
  const forward = (tick) => channel.write(JSON.stringify(tick));
  channel.on('watch', (symbol) => {
    channel.subscribed = symbol;
    feed.on('tick', forward); // expect: listener-not-removed
  });
  channel.on('close', () => {
    feed.off('tick', function (t) { forward(t); });
  });
};

// A method reached per message, on an object the file never makes per call: the field's
// emitter was there before the call and stays after it. The removal in another method passes
// a new bound function, so the finding is at the add.
class Relay {
  constructor(hub) {
    this.hub = hub;
    this.peers = new Map();
    this.server = net.createServer((link) => this.accept(link));
  }

  accept(link) {
    link.once('data', (frame) => this.join(link, frame));
  }

  join(link, frame) {
    const peer = { link, room: frame.room };
    peer.deliver = this.deliver.bind(this, peer);
    this.hub.on('broadcast', peer.deliver); // expect: listener-not-removed
    this.peers.set(frame.room, peer);
  }

  leave(peer) {
    this.hub.removeListener('broadcast', this.deliver.bind(this, peer));
    this.peers.delete(peer.room);
  }

  deliver(peer, message) {
    peer.link.write(message);
  }
}

// A method called only from the constructor - but from inside a listener the constructor
// registers, so it runs at every event; and a registration method spelled `onX(fn)`.
class Ledger {
  constructor(bus, audit) {
    this.audit = audit;
    bus.onEntry((entry) => this.record(entry));
  }

  record(entry) {
    this.audit.onFlush(() => entry.persist()); // expect: listener-not-removed
  }
}

module.exports.Relay = Relay;
module.exports.Ledger = Ledger;
