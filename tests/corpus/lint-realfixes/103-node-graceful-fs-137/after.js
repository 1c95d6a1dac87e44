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

// Wrap fs.close/closeSync, because a close anywhere in the program should
// retry the queue.
module.exports.close = (function (fs$close) {
  return function (fd, cb) {
    return fs$close.call(fs, fd, function (err) {
      if (!err) retry();
      if (typeof cb === 'function') cb.apply(this, arguments);
    });
  };
})(fs.close);

module.exports.closeSync = (function (fs$closeSync) {
  return function (fd) {
    // graceful-fs also retries when closeSync fails.
    var rval = fs$closeSync.apply(fs, arguments);
    retry();
    return rval;
  };
})(fs.closeSync);

// Patch the core module only once: a wrapper installed by an earlier load
// (or another copy of graceful-fs) is recognised by the word in its source.
if (!fs.closeSync.toString().includes('graceful-fs')) {
  fs.closeSync = module.exports.closeSync;
  fs.close = module.exports.close;
}

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
