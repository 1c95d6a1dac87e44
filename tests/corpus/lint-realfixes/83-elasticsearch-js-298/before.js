'use strict';

// elasticsearch-js (legacy client): the Transport is created once per client
// and lives as long as it. It tracks its timers so close() can clear them.
function Transport(config) {
  const self = this;
  this.connectionPool = config.connectionPool;
  this.requestTimeout = config.requestTimeout || 30000;

  if (config.sniffInterval) {
    // Re-arms itself every interval for the life of the client.
    self._timeout(function doSniff() {
      self.sniff();
      self._timeout(doSniff, config.sniffInterval);
    }, config.sniffInterval);
  }
}

Transport.prototype.sniff = function () {
  this.connectionPool.refresh();
};

Transport.prototype.request = function (params, cb) {
  const self = this;
  let aborted = false;
  let requestTimeoutId;

  function respond(err, body) {
    if (aborted) return;
    self._timeout(requestTimeoutId);
    cb(err, body);
  }

  function abortRequest() {
    if (aborted) return;
    aborted = true;
    self._timeout(requestTimeoutId);
  }

  if (this.requestTimeout !== Infinity) {
    requestTimeoutId = this._timeout(function () {
      respond(new Error('Request Timeout after ' + self.requestTimeout + 'ms'));
      abortRequest();
    }, this.requestTimeout);
  }

  this.connectionPool.select(function (err, connection) {
    if (err) return respond(err);
    connection.request(params, respond);
  });
};

// _timeout(cb, delay) starts a timer and records its id; _timeout(id) clears
// one. An id is taken out of the list only when cleared: every timer that
// fires (each sniff, each timed-out request) leaves its id behind.
Transport.prototype._timeout = function (cb, delay) {
  this._timers = this._timers || [];
  let id;

  if (typeof cb !== 'function') {
    id = cb;
    cb = undefined;
  }

  if (cb) {
    id = setTimeout(cb, delay);
    this._timers.push(id); // leak: unbounded-collection
    return id;
  }

  if (id) {
    clearTimeout(id);
    const i = this._timers.indexOf(id);
    if (i !== -1) {
      this._timers.splice(i, 1);
    }
  }
};

Transport.prototype.close = function () {
  this._timers.forEach(clearTimeout);
  this.connectionPool.close();
};

module.exports = Transport;
