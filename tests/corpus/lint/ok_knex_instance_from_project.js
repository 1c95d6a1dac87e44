'use strict';
// `knex` here is the application's own instance (lib/knex.js exports `knex(config)`): calling
// it builds a query on the shared pool, whatever the table argument is (read from session 11's
// reviews of mailtrain).
const knex = require('../lib/knex');

async function importRows(importTable, rows) {
  await knex(importTable).insert(rows);
  return knex(importTable).count('* as count').first();
}

module.exports = (app) => {
  app.post('/imports/:id', async (req, res) => {
    res.json(await importRows(`import_${req.params.id}`, req.body.rows));
  });
};
