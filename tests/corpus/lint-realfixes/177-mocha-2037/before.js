// Runnable (lib/runnable.js), Suite#beforeEach (lib/suite.js) and Runner#run
// (lib/runner.js), in one file.
var EventEmitter = require('events').EventEmitter;
var inherits = require('util').inherits;
var debug = require('debug')('mocha:runner');

// Every it() and hook is a Runnable; the whole suite tree, and so every
// Runnable, is kept until the run is over.
function Runnable(title, fn) {
  this.title = title;
  this.fn = fn; // leak: closure-capture
  this.async = fn && fn.length;
  this.sync = !this.async;
  this._timeout = 2000;
  this._slow = 75;
  this.timedOut = false;
}
inherits(Runnable, EventEmitter);

function Hook(title, fn) {
  Runnable.call(this, title, fn);
  this.type = 'hook';
}
inherits(Hook, Runnable);

function Suite(title, parentContext) {
  EventEmitter.call(this);
  this.title = title;
  this.ctx = parentContext || {};
  this.suites = [];
  this.tests = [];
  this.pending = false;
  this._beforeEach = [];
  this._beforeAll = [];
  this._afterEach = [];
  this._afterAll = [];
}
inherits(Suite, EventEmitter);

Suite.prototype.beforeEach = function(title, fn) {
  if (this.pending) {
    return this;
  }
  if (typeof title === 'function') {
    fn = title;
    title = fn.name;
  }
  title = '"before each" hook' + (title ? ': ' + title : '');

  var hook = new Hook(title, fn);
  hook.parent = this;
  hook.ctx = this.ctx;
  this._beforeEach.push(hook);
  this.emit('beforeEach', hook);
  return this;
};

function Runner(suite) {
  EventEmitter.call(this);
  this.suite = suite;
  this.failures = 0;
}
inherits(Runner, EventEmitter);

Runner.prototype.run = function(fn) {
  var self = this;
  var rootSuite = this.suite;

  fn = fn || function() {};

  function uncaught(err) {
    self.uncaught(err);
  }

  function start() {
    self.started = true;
    self.emit('start');
    self.runSuite(rootSuite, function() {
      debug('finished running');
      self.emit('end');
    });
  }

  this.on('end', function() {
    process.removeListener('uncaughtException', uncaught);
    fn(self.failures);
  });

  process.on('uncaughtException', uncaught);

  start();

  return this;
};

module.exports = { Runnable: Runnable, Hook: Hook, Suite: Suite, Runner: Runner };
