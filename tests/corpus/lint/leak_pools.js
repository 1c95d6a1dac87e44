const express = require('express');
const { Pool } = require('pg');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');

const app = express();

app.get('/users', async (req, res) => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL }); // expect: client-per-request
  const { rows } = await pool.query('SELECT id, name FROM users');
  res.json(rows);
});

app.get('/orders/:id', async (req, res) => {
  const conn = await mysql.createConnection({ host: 'db', user: 'app' }); // expect: client-per-request
  const [rows] = await conn.execute('SELECT * FROM orders WHERE id = ?', [req.params.id]);
  res.json(rows);
});

async function cacheGet(key) {
  const redis = new Redis(); // expect: client-per-request
  return redis.get(key);
}

app.get('/cached/:key', async (req, res) => {
  res.send(await cacheGet(req.params.key));
});

module.exports = app;
