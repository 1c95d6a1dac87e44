// The watchdog is re-armed on every message, and always through stopWatchdog() first, which
// clears the pending timer.
class Channel {
  constructor(socket) {
    this.socket = socket;
    this.watchdog = null;
  }

  onMessage(msg) {
    this.armWatchdog();
    this.socket.emit('message', msg);
  }

  armWatchdog() {
    this.stopWatchdog();
    this.watchdog = setTimeout(() => this.socket.destroy(), 30000);
  }

  stopWatchdog() {
    if (this.watchdog) {
      clearTimeout(this.watchdog);
      this.watchdog = null;
    }
  }
}

module.exports = Channel;
