'use strict';
const pg = require('pg');
const POOLS = {};

function createPool(connectionString) {
  let pool = POOLS[connectionString];
  if (!pool) {
    pool = new pg.Pool({ connectionString });
    pool.on('error', (err) => console.error('sqlagent:', err));
    POOLS[connectionString] = pool;
  }
  return pool;
}

function Agent(connectionString) {
  this.connectionString = connectionString;
}

Agent.prototype.connect = function (callback) {
  const pool = createPool(this.connectionString);
  pool.connect((err, client, done) => {
    if (err) return callback(err);
    callback(null, client, done);
  });
};

module.exports = Agent;
