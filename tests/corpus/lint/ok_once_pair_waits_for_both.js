// Two `once` listeners in one call that wait for BOTH events (a join): each event comes,
// each listener goes when it does, and the continuation runs after the second.
const { EventEmitter } = require('events');

class Uploader extends EventEmitter {
  finish(done) {
    let pending = 0;
    const step = () => { if (--pending === 0) done(); };
    if (this.writing) {
      pending++;
      this.once('flushed', step);
    }
    if (this.hashing) {
      pending++;
      this.once('hashed', step);
    }
    if (pending === 0) done();
  }
}

module.exports = Uploader;
