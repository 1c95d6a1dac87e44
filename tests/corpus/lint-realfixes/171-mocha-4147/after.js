'use strict';

var EventEmitter = require('events').EventEmitter;
var inherits = require('util').inherits;
var debug = require('debug')('mocha:runner');
var Pending = require('./pending');
var constants = require('./runner').constants;

// A Runner runs one root suite once; `mocha --watch` and programmatic users
// create a new Runner for every run in the same process.
function Runner(suite, delay) {
  EventEmitter.call(this);
  this.suite = suite;
  this.started = false;
  this.failures = 0;
  this._delay = delay;
}
inherits(Runner, EventEmitter);

Runner.prototype.uncaught = function(err) {
  this.failures++;
  this.emit(constants.EVENT_TEST_FAIL, this.currentRunnable, err);
  this.abort();
};

// one function for every runner, so the next run can take it off again
Runner.prototype.uncaughtEnd = function uncaughtEnd(err) {
  if (err instanceof Pending) return;
  throw err;
};

Runner.prototype.run = function(fn) {
  var self = this;
  var rootSuite = this.suite;

  fn = fn || function() {};

  function uncaught(err) {
    self.uncaught(err);
  }

  function start() {
    self.started = true;
    self.emit(constants.EVENT_RUN_BEGIN);
    self.runSuite(rootSuite, function() {
      debug('finished running');
      self.emit(constants.EVENT_RUN_END);
    });
  }

  this.on(constants.EVENT_SUITE_END, function(suite) {
    suite.cleanReferences();
  });

  this.on(constants.EVENT_RUN_END, function() {
    debug(constants.EVENT_RUN_END);
    process.removeListener('uncaughtException', uncaught);
    process.on('uncaughtException', self.uncaughtEnd);
    fn(self.failures);
  });

  process.removeListener('uncaughtException', self.uncaughtEnd);
  process.on('uncaughtException', uncaught);

  if (this._delay) {
    rootSuite.once('run', start);
  } else {
    start();
  }

  return this;
};

Runner.prototype.abort = function() {
  this._abort = true;
  return this;
};

module.exports = Runner;
