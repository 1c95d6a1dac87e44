// Look-alike: a client made per call and cleaned up in `finally` by a method whose name is
// not on any list (`retire()`): a call with no arguments on it in `finally` is its cleanup.
const { Pool } = require('pg');

async function exportTenant(req, res) {
  const pool = new Pool({ connectionString: req.tenant.dsn });
  try {
    const { rows } = await pool.query('select * from orders');
    res.json(rows);
  } finally {
    await pool.retire();
  }
}

module.exports = { exportTenant };
