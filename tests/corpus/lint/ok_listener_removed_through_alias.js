'use strict';
// `const client = this`: the listener takes itself off `client`, which is the object it was
// added to, on the first event (read from session 11's reviews of irc-framework).
const { EventEmitter } = require('events');

class IrcClient extends EventEmitter {
  monitorList(cb) {
    const client = this;
    this.on('monitorList', function onMonitorList(event) {
      client.removeListener('monitorList', onMonitorList);
      cb(event);
    });
    this.raw('MONITOR L');
  }

  raw(line) {
    this.emit('raw', line);
  }
}

module.exports = new IrcClient();
