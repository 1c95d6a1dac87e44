'use strict';
// A client keeps its retry timers so close() can clear them; a handle leaves the list only
// when cancel() clears it, so every retry that fires leaves its handle behind.
class RetryingClient {
  constructor(send) {
    this.send = send;
    this.retries = [];
  }

  retryLater(message, delayMs) {
    const handle = setTimeout(() => this.send(message), delayMs);
    this.retries.push(handle); // expect: field-collection-growth
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
