const metrics = require('./metrics');

class Poller {
  constructor(source) {
    this.source = source;
  }

  start() {
    this.timer = setInterval(() => this.poll(), 1000); // expect: interval-not-cleared
  }

  poll() {
    return this.source.read();
  }
}

function watchConnection(conn) {
  setInterval(() => { // expect: interval-not-cleared
    metrics.gauge('conn.bytes', conn.bytesRead);
  }, 5000);
}

function heartbeat(socket) {
  const beat = setInterval(() => socket.ping(), 30000); // expect: interval-not-cleared
  socket.on('pong', () => metrics.increment('pong'));
}

module.exports = { Poller, watchConnection, heartbeat };
