// A migration queries the knex instance it is handed: `knex('table')` starts a query builder
// on that instance, it opens no new pool.
exports.up = function (knex) {
  return knex('settings')
    .select('key', 'value')
    .then((rows) => knex('settings_v2').insert(rows.map((r) => ({ name: r.key, value: r.value }))));
};
