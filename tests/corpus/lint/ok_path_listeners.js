// Correct look-alikes of the sixth session's listener modes.
const { EventEmitter } = require('node:events');

const registry = new EventEmitter();

// Set-up that may run twice: it asks the emitter whether its listener is there first and
// returns early when it is.
function wireAuditTrail(kinds, sink) {
  kinds.forEach((kind) => {
    if (registry.hasNamedListener(kind, 'auditTrail')) {
      return;
    }
    registry.on(kind, function auditTrail(record) {
      sink.write(record);
    });
  });
}

// A per-message callback adds a function made for that message and removes it when its
// one reply has come.
exports.serve = (port) => {
  port.on('ask', (question) => {
    const onAnswer = (answer) => {
      if (answer.id !== question.id) return;
      registry.off('answer', onAnswer);
      port.write(answer.text);
    };
    registry.on('answer', onAnswer);
    registry.once('shutdown', () => registry.off('answer', onAnswer));
  });
};

// A method on an object made per call: its own emitter dies with it.
class Probe {
  constructor(target) {
    this.bus = new EventEmitter();
    this.target = target;
  }

  run() {
    this.bus.on('sample', (value) => this.target.push(value));
    return this;
  }
}

exports.probeOnce = (req, res) => {
  const samples = [];
  new Probe(samples).run();
  res.json(samples);
};

// `onX(value)` called with data is a handler being run, not a registration.
class Uplink {
  constructor(socket) {
    this.socket = socket;
    this.socket.on('data', (chunk) => this.onChunk(chunk));
  }

  onChunk(chunk) {
    if (chunk.length === 0) this.onFailure(new Error('empty frame'));
  }

  onFailure(error) {
    this.socket.destroy(error);
  }
}

module.exports.wireAuditTrail = wireAuditTrail;
module.exports.Uplink = Uplink;
