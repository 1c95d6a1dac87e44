// Listeners added to long-lived emitters by code that runs again, whatever it is called:
// a plain function called from an exported one, and a method that reruns itself on a
// timer; and a removal with a new function inside the same call.
const { EventEmitter } = require('events');

const ticker = new EventEmitter();

function trackSymbol(symbol, sink) {
  ticker.on('price', (p) => { if (p.symbol === symbol) sink.push(p); }); // expect: listener-not-removed
}

exports.watch = function watch(symbols, sink) {
  symbols.forEach((s) => trackSymbol(s, sink));
};

class Relay extends EventEmitter {
  constructor(feed) {
    super();
    this.feed = feed;
    this.arm();
  }

  arm() {
    const forward = (m) => this.emit('message', m);
    this.feed.on('message', forward); // expect: listener-not-removed
    setTimeout(() => this.arm(), 30000);
  }
}

exports.follow = function follow(stream, out) {
  ticker.on('halt', () => out.end()); // expect: listener-not-removed
  stream.on('close', () => {
    ticker.off('halt', () => out.end());
  });
};

exports.Relay = Relay;
