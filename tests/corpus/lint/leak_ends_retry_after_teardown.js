// A feed that reconnects after a drop. close() tears the connection down, but the retry
// timer's handle is dropped: a close while a retry is pending is undone when it fires.
const WebSocket = require('ws');

class PriceFeed {
  constructor(url) {
    this.url = url;
    this.socket = null;
  }

  open() {
    this.socket = new WebSocket(this.url);
    this.socket.on('close', () => {
      setTimeout(() => this.open(), 2000); // expect: timeout-not-cleared
    });
  }

  close() {
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}

module.exports = PriceFeed;
