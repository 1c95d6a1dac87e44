'use strict';
// A knex instance made from a config in each request handler and kept in a local:
// the query on the local is not the leak, the instance made for every request is (its pool is
// never destroyed).
const express = require('express');
const Knex = require('knex');

const app = express();

app.get('/users', async (req, res) => {
  const db = Knex({ client: 'pg', connection: process.env.DATABASE_URL }); // expect: client-per-request
  res.json(await db('users').select());
});

module.exports = app;
