// Sequelize 1.x, Postgres dialect: the connector manager runs every query of
// a Sequelize instance. Without pooling it opens a plain pg.Client and
// disconnects shortly after the last pending query finished.
var Query = require('./query');
var EventEmitter = require('events').EventEmitter;

module.exports = (function () {
  var ConnectorManager = function (sequelize, config) {
    this.sequelize = sequelize;
    this.client = null;
    this.config = config || {};
    this.pooling = !!this.config.pool && this.config.pool.maxConnections > 0;
    this.pg = require('pg');
    this.poolIdentifier = null;
    this.pendingQueries = 0;
  };

  ConnectorManager.prototype.endQuery = function () {
    var self = this;
    if (!self.pooling && self.pendingQueries === 0) {
      setTimeout(function () {
        self.pendingQueries === 0 && self.disconnect();
      }, 100);
    }
  };

  // Called for every query the application runs.
  ConnectorManager.prototype.query = function (sql, callee, options) {
    var self = this;
    var emitter = new EventEmitter();
    self.pendingQueries++;

    self.connect()
      .on('error', function (err) {
        emitter.emit('error', err);
      })
      .on('success', function (done) {
        var query = new Query(self.client, self.sequelize, callee, options || {});
        query.run(sql, done)
          .on('success', function (results) {
            self.pendingQueries--;
            emitter.emit('success', results);
            self.endQuery();
          })
          .on('error', function (err) {
            self.pendingQueries--;
            emitter.emit('error', err);
            self.endQuery();
          });
      });
    return emitter;
  };

  ConnectorManager.prototype.connect = function () {
    var self = this;
    var emitter = new EventEmitter();

    if (this.isConnecting) {
      process.nextTick(function () { emitter.emit('success'); });
      return emitter;
    }
    this.isConnecting = true;
    this.isConnected = false;

    var uri = this.sequelize.getQueryInterface().QueryGenerator.databaseConnectionUri(this.config);

    var connectCallback = function (err, client, done) {
      self.isConnecting = false;
      if (err) {
        done && done(err);
        emitter.emit('error', err);
      } else if (client) {
        client.query("SET TIME ZONE 'UTC'").on('end', function () {
          self.isConnected = true;
          self.client = client;
          emitter.emit('success', done);
        });
      } else {
        self.client = null;
        emitter.emit('success', done);
      }
    };

    if (this.pooling) {
      this.poolIdentifier = this.pg.pools.getOrCreate(this.sequelize.config);
      this.poolIdentifier.connect(connectCallback);
    } else {
      // A new one-off client for each query that finds no connect under way;
      // it replaces the previous one in this.client, which is never ended.
      this.client = new this.pg.Client(uri); // leak: resource-per-request
      this.client.connect(connectCallback);
    }
    return emitter;
  };

  ConnectorManager.prototype.disconnect = function () {
    if (this.poolIdentifier) {
      this.poolIdentifier.destroyAllNow();
    }
    if (this.client) {
      this.client.end();
    }
    this.client = null;
    this.isConnecting = false;
    this.isConnected = false;
  };

  return ConnectorManager;
})();
