// Every print() waits on the spooler for one of two outcomes with `once`. Only one of
// 'printed' and 'jammed' comes for a job, so the listener for the other stays on the
// spooler, which lives as long as the office does: one per job.
const { EventEmitter } = require('events');

class Spooler extends EventEmitter {
  print(document) {
    return new Promise((resolve, reject) => {
      this.once('printed', resolve); // expect: listener-not-removed
      this.once('jammed', reject); // expect: listener-not-removed
      this.feed(document);
    });
  }

  feed(document) {
    setImmediate(() => this.emit(document.pages > 0 ? 'printed' : 'jammed', document));
  }
}

module.exports = new Spooler();
