// A client closed in a `finally` that an early `return` before the `try` never reaches.
// Sixth session; names and shapes are this file's own.
const { Client } = require('pg');

exports.tableStatus = async (req, res) => {
  const db = new Client({ connectionString: process.env.ANALYTICS_URL }); // expect: client-per-request
  await db.connect();
  const { rows } = await db.query('SELECT to_regclass($1) AS found', [req.params.table]);
  if (!rows[0].found) {
    return res.status(404).json({ table: req.params.table, state: 'missing' });
  }
  try {
    const count = await db.query(`SELECT count(*) FROM ${req.params.table}`);
    return res.json({ table: req.params.table, rows: count.rows[0].count });
  } finally {
    await db.end();
  }
};

exports.tableSize = async (req, res) => {
  const db = new Client({ connectionString: process.env.ANALYTICS_URL });
  await db.connect();
  const { rows } = await db.query('SELECT to_regclass($1) AS found', [req.params.table]);
  if (!rows[0].found) {
    await db.end();
    return res.status(404).json({ table: req.params.table, state: 'missing' });
  }
  try {
    const size = await db.query('SELECT pg_total_relation_size($1) AS bytes', [req.params.table]);
    return res.json({ table: req.params.table, bytes: size.rows[0].bytes });
  } finally {
    await db.end();
  }
};
