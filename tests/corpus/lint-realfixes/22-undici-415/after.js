'use strict';
class Request {
  constructor({ path, method, signal }, handler) {
    this.path = path;
    this.method = method;
    this.handler = handler;
    this.aborted = false;
    this.signal = signal;
    this.abortListener = () => this.onAbort();
    if (signal) {
      signal.addEventListener('abort', this.abortListener);
    }
  }

  removeSignal() {
    if (this.signal) {
      this.signal.removeEventListener('abort', this.abortListener);
      this.signal = null;
    }
  }

  onAbort() {
    this.aborted = true;
    this.removeSignal();
    this.handler.onError(new Error('Request aborted'));
  }

  onComplete(trailers) {
    this.removeSignal();
    if (this.aborted) return;
    this.handler.onComplete(trailers);
  }

  onError(err) {
    this.removeSignal();
    if (this.aborted) return;
    this.handler.onError(err);
  }
}

module.exports = Request;
