'use strict';
// Look-alike: a retry that fires takes its own handle out of the list.
class RetryingClient {
  constructor(send) {
    this.send = send;
    this.retries = [];
  }

  retryLater(message, delayMs) {
    const handle = setTimeout(() => {
      this.retries.splice(this.retries.indexOf(handle), 1);
      this.send(message);
    }, delayMs);
    this.retries.push(handle);
    return handle;
  }

  cancel(handle) {
    clearTimeout(handle);
    const at = this.retries.indexOf(handle);
    if (at !== -1) this.retries.splice(at, 1);
  }

  close() {
    this.retries.forEach(clearTimeout);
    this.retries = [];
  }
}

module.exports = { RetryingClient };
