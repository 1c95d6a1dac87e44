'use strict';
// A class made once, at load: its constructor's process listener goes on once.
class Logger {
  constructor() {
    process.on('uncaughtException', (error) => this.log('error', String(error)));
  }

  log(level, message) {
    process.stderr.write(`[${level}] ${message}\n`);
  }
}

const shared = new Logger();

function getLogger(name) {
  return { log: (level, message) => shared.log(level, `${name}: ${message}`) };
}

module.exports = { getLogger };
