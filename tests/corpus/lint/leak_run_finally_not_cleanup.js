// A call with arguments in `finally` is an operation, not the client's cleanup: the pool
// made per request stays open. Seventh session.
const { Pool } = require('pg');

async function auditTenant(req, res) {
  const pool = new Pool({ connectionString: req.tenant.dsn }); // expect: client-per-request
  try {
    const { rows } = await pool.query('select * from audit');
    res.json(rows);
  } finally {
    await pool.query('insert into audit_reads values ($1)', [req.user.id]);
  }
}

module.exports = { auditTenant };
