'use strict';
class PostgresClient {
  constructor(pool) {
    this.pool = pool;
  }

  async _query(sql, params) {
    const client = await this.pool.connect();
    const onError = (err) => console.warn('pg client error', err, sql);
    client.on('error', onError);
    try {
      return await client.query(sql, params);
    } finally {
      client.removeListener('error', onError);
      client.release();
    }
  }
}

module.exports = PostgresClient;
