// A set-up method the host application calls (nothing in this file does) that opens a pool
// into a field, and a shutdown method that closes it: nothing here shows it running twice.
const { Pool } = require('pg');

const reporting = {
  pool: null,
  async boot(settings) {
    this.pool = new Pool({ connectionString: settings.reportingUrl, max: 4 });
    await this.pool.query('SELECT 1');
    return this;
  },
  async totals(day) {
    const { rows } = await this.pool.query('SELECT sum(amount) FROM sales WHERE day = $1', [day]);
    return rows[0];
  },
  async shutdown() {
    await this.pool.end();
  },
};

module.exports = reporting;
