'use strict';
class PostgresClient {
  constructor(pool) {
    this.pool = pool;
  }

  async _query(sql, params) {
    const client = await this.pool.connect();
    client.on('error', (err) => console.warn('pg client error', err, sql)); // leak: listener-leak
    try {
      return await client.query(sql, params);
    } finally {
      client.release();
    }
  }
}

module.exports = PostgresClient;
