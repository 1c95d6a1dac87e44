// The same feed keeping the retry handle and clearing it in close(); and a one-shot
// greeting timer that brings nothing back.
const WebSocket = require('ws');

class PriceFeed {
  constructor(url) {
    this.url = url;
    this.socket = null;
    this.retry = null;
  }

  open() {
    this.socket = new WebSocket(this.url);
    this.socket.on('close', () => {
      this.retry = setTimeout(() => this.open(), 2000);
    });
    this.socket.on('open', () => {
      setTimeout(() => this.socket && this.socket.send('hello'), 50);
    });
  }

  close() {
    clearTimeout(this.retry);
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}

module.exports = PriceFeed;
