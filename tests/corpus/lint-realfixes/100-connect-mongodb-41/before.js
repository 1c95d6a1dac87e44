/*
 * connect-mongodb: a MongoDB session store for connect/express sessions.
 * Applications create one store per database they keep sessions in (per
 * tenant, per test, per app instance) and close the database when done.
 */
var Store = require('connect').session.Store;
var mongo = require('mongodb');

var _defaults = { host: '127.0.0.1', port: 27017, dbname: 'dev', collection: 'sessions', reapInterval: 60 * 1000 };

function noop() {}

var MongoStore = (module.exports = function MongoStore(options, callback) {
  options = options || {};
  callback = typeof callback === 'function' ? callback : noop;
  var self = this;
  var db, serverConfig;

  if (options.server_config) {
    serverConfig = options.server_config;
    db = new mongo.Db(options.dbname || _defaults.dbname, serverConfig);
  }
  if (options.db) {
    serverConfig = options.db.serverConfig;
    db = options.db;
  }
  if (!db || !serverConfig) {
    return callback(new Error('You must provide a `db` or `server_config`!'));
  }

  Store.call(this, options);

  if (options.reapInterval !== -1) {
    // Removes expired sessions every minute. The handle is not kept: the
    // interval runs (and keeps the store and its db) after the db closed.
    setInterval(function () { // leak: timer-leak
      if (self.collection) {
        self.collection.remove({ expires: { $lte: Date.now() } }, noop);
      }
    }, options.reapInterval || _defaults.reapInterval);
  }

  db.open(function (err) {
    if (err) return callback(err);
    db.collection(options.collection || _defaults.collection, function (err2, col) {
      if (err2) return callback(err2);
      self.collection = col;
      callback();
    });
  });
});

MongoStore.prototype.__proto__ = Store.prototype;

MongoStore.prototype.get = function (sid, cb) {
  this.collection.findOne({ _id: sid }, function (err, data) {
    if (err) return cb(err);
    cb(null, data ? data.session : undefined);
  });
};

MongoStore.prototype.set = function (sid, sess, cb) {
  var expires = sess.cookie && sess.cookie._expires ? new Date(sess.cookie._expires) : new Date(Date.now() + 86400000);
  this.collection.update({ _id: sid }, { _id: sid, session: sess, expires: expires.getTime() }, { upsert: true }, cb || noop);
};

MongoStore.prototype.destroy = function (sid, cb) {
  this.collection.remove({ _id: sid }, cb || noop);
};
