const express = require('express');
const { Pool, Client } = require('pg');
const net = require('net');
const Redis = require('ioredis');

const app = express();
const pool = new Pool({ connectionString: process.env.DATABASE_URL });
let redis;

function getRedis() {
  if (!redis) redis = new Redis();
  return redis;
}

app.get('/users', async (req, res) => {
  const { rows } = await pool.query('SELECT id, name FROM users');
  res.json(rows);
});

app.get('/once', async (req, res) => {
  const client = new Client();
  await client.connect();
  try {
    res.json((await client.query('SELECT 1')).rows);
  } finally {
    await client.end();
  }
});

app.get('/probe', (req, res) => {
  const socket = net.createConnection({ port: 5432, host: 'db' });
  socket.on('connect', () => { socket.end(); res.send('up'); });
});

app.get('/cached/:key', async (req, res) => {
  res.send(await getRedis().get(req.params.key));
});

function makePool(config) {
  const p = new Pool(config);
  return p;
}

module.exports = { app, makePool };
