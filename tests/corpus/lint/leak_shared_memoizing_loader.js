'use strict';
// A batching loader made once at load and handed to every request: it memoizes every key
// any request asked for, with the result, for the life of the process.
const Loader = require('dataloader');
const db = require('./db');

const accountsById = new Loader(async (ids) => { // expect: cache-without-eviction
  const rows = await db.accounts.findMany(ids);
  return ids.map((id) => rows.find((row) => row.id === id) || null);
});

function contextFor(req) {
  return { user: req.user, accounts: accountsById };
}

module.exports = { contextFor };
