/*!
 * lib/tmp.js of node-tmp (v0.0.28), cut to the removal bookkeeping. A service that
 * creates a temporary file or directory per request and calls the returned
 * removeCallback when done expects nothing to stay behind.
 */
var
  fs     = require('fs'),
  path   = require('path'),
  crypto = require('crypto'),
  _c     = process.binding('constants'),

  CREATE_FLAGS = _c.O_CREAT | _c.O_EXCL | _c.O_RDWR,

  DIR_MODE = 448 /* 0700 */,
  FILE_MODE = 384 /* 0600 */,

  // this will hold the objects need to be removed on exit
  _removeObjects = [],

  _gracefulCleanup = false,
  _uncaughtException = false;

function _getTmpName(opts, cb) {
  var name = path.join(opts.dir || require('os').tmpdir(),
    [opts.prefix || 'tmp-', process.pid, crypto.randomBytes(6).toString('hex'), opts.postfix || ''].join(''));
  process.nextTick(function () { cb(null, name); });
}

function _createTmpFile(opts, cb) {
  opts.postfix = (opts.postfix === undefined) ? '.tmp' : opts.postfix;

  _getTmpName(opts, function _tmpNameCreated(err, name) {
    if (err) return cb(err);

    fs.open(name, CREATE_FLAGS, opts.mode || FILE_MODE, function _fileCreated(err, fd) {
      if (err) return cb(err);

      cb(null, name, fd, _prepareTmpFileRemoveCallback(name, fd, opts));
    });
  });
}

function _createTmpDir(opts, cb) {
  _getTmpName(opts, function _tmpNameCreated(err, name) {
    if (err) return cb(err);

    fs.mkdir(name, opts.mode || DIR_MODE, function _dirCreated(err) {
      if (err) return cb(err);

      cb(null, name, _prepareTmpDirRemoveCallback(name, opts));
    });
  });
}

function _prepareTmpFileRemoveCallback(name, fd, opts) {
  var removeCallback = _prepareRemoveCallback(function _removeCallback(fdPath) {
    try {
      fs.closeSync(fdPath[0]);
    }
    catch (e) {
      // the file may already have been closed by the user
    }
    fs.unlinkSync(fdPath[1]);
  }, [fd, name]);

  if (!opts.keep) {
    _removeObjects.unshift(removeCallback);
  }

  return removeCallback;
}

function _prepareTmpDirRemoveCallback(name, opts) {
  var removeFunction = fs.rmdirSync.bind(fs);
  var removeCallback = _prepareRemoveCallback(removeFunction, name);

  if (!opts.keep) {
    _removeObjects.unshift(removeCallback);
  }

  return removeCallback;
}

// Wraps removeFunction so that it runs once and takes itself off the exit list.
function _prepareRemoveCallback(removeFunction, arg) {
  var called = false;

  return function _cleanupCallback() {
    if (called) return;

    var index = _removeObjects.indexOf(_cleanupCallback);
    if (index >= 0) {
      _removeObjects.splice(index, 1);
    }

    called = true;
    removeFunction(arg);
  };
}

function _garbageCollector() {
  if (_uncaughtException && !_gracefulCleanup) {
    return;
  }

  for (var i = 0, length = _removeObjects.length; i < length; i++) {
    try {
      _removeObjects[i].call(null);
    } catch (e) {
      // already removed?
    }
  }
}

process.addListener('exit', function _exit(code) {
  if (code) _uncaughtException = true;
  _garbageCollector();
});

module.exports.dir = _createTmpDir;
module.exports.file = _createTmpFile;
module.exports.setGracefulCleanup = function () { _gracefulCleanup = true; };
