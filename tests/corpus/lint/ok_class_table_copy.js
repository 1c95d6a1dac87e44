'use strict';
// Look-alike: a module-level copy of a fetched table, refreshed on a schedule with the same keys.
const rates = new Map();
const flags = {};

async function refreshRates(fetchTable) {
  const table = await fetchTable();
  for (const [currency, rate] of Object.entries(table)) {
    rates.set(currency, rate);
  }
}

function refreshFlags(remote) {
  for (const name in remote) {
    flags[name] = Boolean(remote[name]);
  }
}

module.exports = { refreshRates, refreshFlags };
