var Events     = require('events');
var Net        = require('net');
var Util       = require('util');
var Protocol   = require('./protocol/Protocol');

// Connection and PoolConnection (lib/Connection.js and lib/PoolConnection.js,
// here in one file). A pool lives as long as the application; it creates a new
// PoolConnection whenever it needs one and drops the ones that end or fail.

module.exports = Connection;
Util.inherits(Connection, Events.EventEmitter);
function Connection(options) {
  Events.EventEmitter.call(this);

  this.config = options.config;

  this._socket        = options.socket;
  this._protocol      = new Protocol({config: this.config, connection: this});
  this._connectCalled = false;
}

Connection.prototype.connect = function connect(options, callback) {
  if (!callback && typeof options === 'function') {
    callback = options;
    options = {};
  }

  if (!this._connectCalled) {
    this._connectCalled = true;

    this._socket = (this.config.socketPath)
      ? Net.createConnection(this.config.socketPath)
      : Net.createConnection(this.config.port, this.config.host);

    // Connect socket to connection domain
    if (Events.usingDomains) {
      if (this._socket.domain) {
        this._socket.domain.remove(this._socket);
      }

      if (this.domain) {
        this.domain.add(this._socket); // leak: unbounded-collection
      }
    }

    var connection = this;
    this._protocol.on('data', function(data) {
      connection._socket.write(data);
    });
    this._socket.on('data', function(data) {
      connection._protocol.write(data);
    });
    this._protocol.on('end', function() {
      connection._socket.end();
    });
  }

  if (callback) {
    this._protocol.once('handshake', callback);
  }
};

module.exports.PoolConnection = PoolConnection;
Util.inherits(PoolConnection, Connection);

function PoolConnection(pool, options) {
  Connection.call(this, options);
  this._pool  = pool;

  // Bind connection to pool domain
  if (Events.usingDomains) {
    if (this.domain) {
      this.domain.remove(this);
    }

    if (pool.domain) {
      pool.domain.add(this); // leak: unbounded-collection
    }
  }

  this.on('end', this._removeFromPool);
  this.on('error', function (err) {
    if (err.fatal) {
      this._removeFromPool();
    }
  });
}

PoolConnection.prototype._removeFromPool = function _removeFromPool() {
  if (!this._pool || this._pool._closed) {
    return;
  }
  var pool = this._pool;
  this._pool = null;
  pool._purgeConnection(this);
};
