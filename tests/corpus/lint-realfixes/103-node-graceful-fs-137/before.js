// graceful-fs: queues fs operations that fail with EMFILE and retries them
// whenever a file is closed anywhere in the program. Thousands of packages
// depend on it; test runners such as Jest clear the module registry between
// test files, so this module's top level runs again for every test file.
var fs = require('fs');
var util = require('util');

var queue = [];

var debug = util.debuglog('gfs4');

function clone(obj) {
  var copy = Object.create(Object.getPrototypeOf(obj));
  Object.getOwnPropertyNames(obj).forEach(function (key) {
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(obj, key));
  });
  return copy;
}

module.exports = patch(clone(fs));

// Always patch fs.close/closeSync, because a close anywhere in the program
// should retry the queue. Each load wraps the current fs.close, which after
// the first load is the previous load's wrapper: the core fs module gathers
// a chain of wrappers, each holding its load's queue and module scope.
module.exports.close = fs.close = (function (fs$close) { // leak: global-growth
  return function (fd, cb) {
    return fs$close.call(fs, fd, function (err) {
      if (!err) retry();
      if (typeof cb === 'function') cb.apply(this, arguments);
    });
  };
})(fs.close);

module.exports.closeSync = fs.closeSync = (function (fs$closeSync) { // leak: global-growth
  return function (fd) {
    // graceful-fs also retries when closeSync fails.
    var rval = fs$closeSync.apply(fs, arguments);
    retry();
    return rval;
  };
})(fs.closeSync);

function patch(fsCopy) {
  var fs$readFile = fsCopy.readFile;
  fsCopy.readFile = function readFile(path, options, cb) {
    if (typeof options === 'function') {
      cb = options;
      options = null;
    }
    return go$readFile(path, options, cb);

    function go$readFile(p, o, c) {
      return fs$readFile(p, o, function (err) {
        if (err && (err.code === 'EMFILE' || err.code === 'ENFILE')) {
          enqueue([go$readFile, [p, o, c]]);
        } else {
          if (typeof c === 'function') c.apply(this, arguments);
          retry();
        }
      });
    }
  };
  fsCopy.gracefulify = patch;
  return fsCopy;
}

function enqueue(elem) {
  debug('ENQUEUE', elem[0].name, elem[1]);
  queue.push(elem);
}

function retry() {
  var elem = queue.shift();
  if (elem) {
    debug('RETRY', elem[0].name, elem[1]);
    elem[0].apply(null, elem[1]);
  }
}
