'use strict';

// mysql2 Connection: execute() prepares a statement on the server the first
// time it sees a SQL text and reuses it afterwards. Connections are pooled
// and live for hours; applications build SQL texts dynamically (IN lists of
// varying length, generated column lists...).
const { EventEmitter } = require('events');
const util = require('util');
const Commands = require('./commands');

function statementKey(options) {
  return typeof options.nestTables + '/' + options.nestTables + '/' + options.rowsAsArray + options.sql;
}

function Connection(opts) {
  EventEmitter.call(this);
  this.config = opts.config;
  this._commands = [];
  this._statements = {};
}
util.inherits(Connection, EventEmitter);

Connection.prototype.addCommand = function (cmd) {
  this._commands.push(cmd);
  return cmd;
};

Connection.prototype.prepare = function (options, cb) {
  if (typeof options === 'string') options = { sql: options };
  return this.addCommand(new Commands.Prepare(options, cb));
};

Connection.prototype.unprepare = function (sql) {
  const options = typeof sql === 'object' ? sql : { sql };
  const key = statementKey(options);
  const stmt = this._statements[key];
  if (stmt) {
    this._statements[key] = null;
    stmt.close();
  }
  return stmt;
};

Connection.prototype.execute = function (sql, values, cb) {
  const options = typeof sql === 'object' ? sql : { sql };
  if (typeof values === 'function') {
    cb = values;
  } else {
    options.values = values;
  }

  const connection = this;
  const key = statementKey(options);
  const statement = connection._statements[key];

  options.statement = statement;
  const executeCommand = new Commands.Execute(options, cb);

  if (!statement) {
    connection.prepare(options, function executeStatement(err, stmt) {
      if (err) {
        if (cb) cb(err);
        else executeCommand.emit('error', err);
        return;
      }
      executeCommand.statement = stmt;
      // One server-side statement kept per distinct SQL text, forever.
      connection._statements[key] = stmt; // leak: unbounded-cache
      connection.addCommand(executeCommand);
    });
  } else {
    connection.addCommand(executeCommand);
  }
  return executeCommand;
};

// From ChangeUser: statements are invalid after a user change.
Connection.prototype.resetStatements = function () {
  this._statements = {};
};

module.exports = Connection;
