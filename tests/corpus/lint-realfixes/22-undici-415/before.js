'use strict';
class Request {
  constructor({ path, method, signal }, handler) {
    this.path = path;
    this.method = method;
    this.handler = handler;
    this.aborted = false;
    if (signal) {
      signal.addEventListener('abort', () => this.onAbort()); // leak: listener-leak
    }
  }

  onAbort() {
    this.aborted = true;
    this.handler.onError(new Error('Request aborted'));
  }

  onComplete(trailers) {
    if (this.aborted) return;
    this.handler.onComplete(trailers);
  }

  onError(err) {
    if (this.aborted) return;
    this.handler.onError(err);
  }
}

module.exports = Request;
