'use strict';
// Look-alikes: a loader made per request, and a shared one told not to memoize.
const Loader = require('dataloader');
const db = require('./db');

const loadAccounts = async (ids) => {
  const rows = await db.accounts.findMany(ids);
  return ids.map((id) => rows.find((row) => row.id === id) || null);
};

const sharedAccounts = new Loader(loadAccounts, { cache: false });

function contextFor(req) {
  return { user: req.user, accounts: new Loader(loadAccounts), shared: sharedAccounts };
}

module.exports = { contextFor };
