// A factory's name called as a method of an object the application set up is that object's
// query builder or helper, not the library's factory opening a new pool.
const express = require('express');

const app = express();

app.get('/orders/:id', async (req, res) => {
  const order = await app.locals.store.knex('orders').where('id', req.params.id).first();
  const replica = req.app.locals.replicas.createConnection('orders-read');
  res.json({ order, replica: replica.name });
});

module.exports = app;
