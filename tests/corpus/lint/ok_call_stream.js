'use strict';
// Look-alike of leak_call_stream.js: the per-chunk method adds its listener only when the
// stream does not have it yet.
const { Transform } = require('stream');

class Batcher extends Transform {
  constructor(options) {
    super({ objectMode: true, ...options });
    this.batch = [];
    this.onResume = () => this.flushBatch();
  }

  _transform(item, encoding, callback) {
    this.batch.push(item);
    if (this.batch.length >= 100) this.flushBatch();
    callback();
  }

  flushBatch() {
    const full = !this.push(this.batch.splice(0));
    if (full && !this.listeners('resume').includes(this.onResume)) {
      this.once('resume', this.onResume);
    }
  }
}

module.exports = Batcher;
