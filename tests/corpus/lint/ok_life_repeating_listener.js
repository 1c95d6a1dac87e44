// Listeners added once - behind a flag, in the constructor, from code only run at load, by a
// method the file never shows running twice - or removed with the function that was added.
const { EventEmitter } = require('events');

const ticker = new EventEmitter();
let hooked = false;

function hookOnce(sink) {
  if (!hooked) {
    hooked = true;
    ticker.on('price', (p) => sink.push(p));
  }
}

exports.watch = function watch(sink) {
  hookOnce(sink);
};

function wireAtLoad() {
  ticker.on('halt', () => console.log('halted'));
}
wireAtLoad();

class Relay extends EventEmitter {
  constructor(feed) {
    super();
    this.feed = feed;
    this.feed.on('message', (m) => this.emit('message', m));
  }

  pipeOnce(target) {
    this.on('message', (m) => target.write(m));
  }
}

exports.follow = function follow(stream, out) {
  const onHalt = () => out.end();
  ticker.on('halt', onHalt);
  stream.on('close', () => ticker.off('halt', onHalt));
};

exports.Relay = Relay;
