'use strict';

// winston 3: a Logger is a Transform stream piped into its transports. A
// transport with handleExceptions / handleRejections makes the logger catch
// process-level errors through two handler objects.
const { Transform } = require('stream');

class ExceptionHandler {
  constructor(logger) {
    this.logger = logger;
    this.handlers = new Map();
  }

  handle(...transports) {
    transports.flat().forEach((t) => this.handlers.set(t, t));
    if (!this.catcher) {
      this.catcher = this._uncaughtException.bind(this);
      process.on('uncaughtException', this.catcher);
    }
  }

  unhandle() {
    if (this.catcher) {
      process.removeListener('uncaughtException', this.catcher);
      this.catcher = false;
      Array.from(this.handlers.values()).forEach((t) => this.logger.unpipe(t));
    }
  }

  _uncaughtException(err) {
    this.logger.log({ level: 'error', message: `uncaughtException: ${err.message}`, stack: err.stack });
  }
}

class RejectionHandler {
  constructor(logger) {
    this.logger = logger;
    this.handlers = new Map();
  }

  handle(...transports) {
    transports.flat().forEach((t) => this.handlers.set(t, t));
    if (!this.catcher) {
      this.catcher = this._unhandledRejection.bind(this);
      process.on('unhandledRejection', this.catcher);
    }
  }

  unhandle() {
    if (this.catcher) {
      process.removeListener('unhandledRejection', this.catcher);
      this.catcher = false;
    }
  }

  _unhandledRejection(reason) {
    this.logger.log({ level: 'error', message: `unhandledRejection: ${reason}` });
  }
}

class Logger extends Transform {
  constructor(options = {}) {
    super({ objectMode: true });
    this.configure(options);
  }

  configure({ level = 'info', transports = [] } = {}) {
    this.level = level;
    this.exceptions = new ExceptionHandler(this);
    this.rejections = new RejectionHandler(this);
    transports.forEach((t) => this.add(t));
  }

  add(transport) {
    this.pipe(transport);
    if (transport.handleExceptions) this.exceptions.handle(transport);
    if (transport.handleRejections) this.rejections.handle(transport);
    return this;
  }

  log(info) {
    this.write(info);
    return this;
  }

  _transform(info, _enc, callback) {
    this.push(info);
    callback();
  }

  clear() {
    this.unpipe();
    return this;
  }

  // Releases everything the logger holds, the process-level handlers too.
  close() {
    this.exceptions.unhandle();
    this.rejections.unhandle();
    this.clear();
    this.emit('close');
    return this;
  }
}

// Applications create short-lived loggers (one per job, per test, per
// tenant) and close them when done.
function runJob(job, makeTransport) {
  const logger = new Logger({ transports: [makeTransport({ handleExceptions: true, handleRejections: true })] });
  try {
    logger.log({ level: 'info', message: `job ${job.id}` });
    return job.run(logger);
  } finally {
    logger.close();
  }
}

module.exports = { Logger, ExceptionHandler, RejectionHandler, runJob };
