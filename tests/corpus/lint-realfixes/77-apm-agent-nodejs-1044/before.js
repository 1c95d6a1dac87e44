'use strict';

// Elastic APM agent: bindEmitter() patches an emitter so that every listener
// added to it runs inside the transaction that was current when it was
// added. The agent binds long-lived emitters too, e.g. every tedious
// (SQL Server) Connection, which applications keep open and reuse.
const { EventEmitter } = require('events');

function Instrumentation() {
  this.currentTransaction = null;
}

Instrumentation.prototype.bindFunction = function (original) {
  if (typeof original !== 'function' || original.name === 'elasticAPMCallbackWrapper') return original;
  const ins = this;
  const trans = this.currentTransaction;
  if (trans && !trans.sampled) return original;

  return elasticAPMCallbackWrapper;

  function elasticAPMCallbackWrapper() {
    const prev = ins.currentTransaction;
    ins.currentTransaction = trans;
    const result = original.apply(this, arguments);
    ins.currentTransaction = prev;
    return result;
  }
};

Instrumentation.prototype.bindEmitter = function (emitter) {
  const ins = this;
  for (const method of ['on', 'addListener', 'prependListener']) {
    const original = emitter[method];
    // The emitter stores the wrapper, not the caller's handler; a later
    // removeListener(event, handler) finds nothing to remove.
    emitter[method] = function (name, handler) {
      return original.call(this, name, ins.bindFunction(handler)); // leak: listener-leak
    };
  }
};

// The agent's patch of tedious.Connection.
function instrumentTedious(tedious, ins) {
  return class Connection extends tedious.Connection {
    constructor(...args) {
      super(...args);
      ins.bindEmitter(this);
    }
  };
}

// Application code on a shared connection: listen for errors while one
// request runs, then stop listening.
function runQuery(connection, sql) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    connection.on('error', onError);
    connection.execSql(sql, (err, rows) => {
      connection.removeListener('error', onError);
      if (err) reject(err);
      else resolve(rows);
    });
  });
}

module.exports = { Instrumentation, instrumentTedious, runQuery, EventEmitter };
