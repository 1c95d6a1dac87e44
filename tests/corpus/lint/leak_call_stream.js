'use strict';
// A Transform stream's per-chunk methods run again and again on one instance: listeners they
// add to the stream itself pile up (issue 11, modes 1 and 3).
const { Transform } = require('stream');

class Batcher extends Transform {
  constructor(options) {
    super({ objectMode: true, ...options });
    this.batch = [];
  }

  _transform(item, encoding, callback) {
    this.batch.push(item);
    if (this.batch.length >= 100) this.flushBatch();
    callback();
  }

  flushBatch() {
    const full = !this.push(this.batch.splice(0));
    if (full) {
      this.once('resume', () => this.flushBatch()); // expect: listener-not-removed
      this.once('close', () => this.emit('dropped')); // expect: listener-not-removed
    }
  }
}

module.exports = Batcher;
