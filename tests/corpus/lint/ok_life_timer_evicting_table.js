'use strict';
// Delivery retries kept in a bounded table that clears the timer of every entry it drops or
// replaces (its eviction callback), so a retry stored under a key that comes again does not
// leave the earlier timer behind.
const BoundedTable = require('./bounded-table');

const retries = new BoundedTable({
  limit: 2000,
  onEvict(handle) {
    clearTimeout(handle);
  },
});

async function deliver(target, message, attempt = 0) {
  try {
    await target.post(message);
  } catch (err) {
    if (attempt >= 8) throw err;
    const slot = `${target.host}/${message.id}`;
    const handle = setTimeout(() => deliver(target, message, attempt + 1), 2 ** attempt * 500);
    retries.set(slot, handle);
  }
}

module.exports = { deliver };
