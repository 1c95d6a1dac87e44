'use strict';
const closeTimeout = 30 * 1000;

class WebSocket {
  constructor(socket) {
    this._socket = socket;
    this.readyState = WebSocket.OPEN;
    this._closeTimer = null;
  }

  terminate() {
    if (this.readyState === WebSocket.CLOSED) return;
    if (this._socket) {
      this.readyState = WebSocket.CLOSING;
      try {
        this._socket.end();
      } catch (e) {
        this.cleanup(true);
        return;
      }
      if (this._closeTimer) clearTimeout(this._closeTimer);
      this._closeTimer = setTimeout(() => this.cleanup(true), closeTimeout);
    } else if (this.readyState === WebSocket.CONNECTING) {
      this.cleanup(true);
    }
  }

  cleanup(error) {
    clearTimeout(this._closeTimer);
    this._closeTimer = null;
    this.readyState = WebSocket.CLOSED;
    this._socket = null;
  }
}
WebSocket.CONNECTING = 0;
WebSocket.OPEN = 1;
WebSocket.CLOSING = 2;
WebSocket.CLOSED = 3;

module.exports = WebSocket;
