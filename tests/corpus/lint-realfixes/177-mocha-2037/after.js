// Runnable (lib/runnable.js), Suite#beforeEach (lib/suite.js) and Runner#run
// (lib/runner.js), in one file.
var EventEmitter = require('events').EventEmitter;
var inherits = require('util').inherits;
var debug = require('debug')('mocha:runner');

// Every it() and hook is a Runnable; the whole suite tree, and so every
// Runnable, is kept until the run is over.
function Runnable(title, fn) {
  this.title = title;
  this.fn = fn;
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

// A test that has run no longer needs its function, and the function may
// close over large fixtures: drop it.
function cleanTestReferences(test) {
  delete test.fn;
}

// Same for a finished suite's hooks.
function cleanSuiteReferences(suite) {
  function cleanArrReferences(arr) {
    for (var i = 0; i < arr.length; i++) {
      delete arr[i].fn;
    }
  }

  if (Array.isArray(suite._beforeAll)) {
    cleanArrReferences(suite._beforeAll);
  }
  if (Array.isArray(suite._beforeEach)) {
    cleanArrReferences(suite._beforeEach);
  }
  if (Array.isArray(suite._afterAll)) {
    cleanArrReferences(suite._afterAll);
  }
  if (Array.isArray(suite._afterEach)) {
    cleanArrReferences(suite._afterEach);
  }
}

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

  this.on('test end', cleanTestReferences);
  this.on('suite end', cleanSuiteReferences);

  this.on('end', function() {
    process.removeListener('uncaughtException', uncaught);
    fn(self.failures);
  });

  process.on('uncaughtException', uncaught);

  start();

  return this;
};

module.exports = { Runnable: Runnable, Hook: Hook, Suite: Suite, Runner: Runner };
