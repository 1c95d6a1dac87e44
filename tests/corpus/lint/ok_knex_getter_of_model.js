'use strict';
// An ORM's models and query builders hand back the knex instance bound to them: `knex()` with
// no config makes none (read in session 13 from half J's reviews of objection).
const Knex = require('knex');

class Model {
  static knex(instance) {
    if (instance) this.$$knex = instance;
    return this.$$knex;
  }

  static async columnInfo(table) {
    const knex = this.knex();
    return knex(table).columnInfo();
  }
}

async function buildQuery(builder) {
  const knex = builder.knex();
  return knex.raw('select 1');
}

Model.knex(Knex({ client: 'pg', connection: process.env.DATABASE_URL }));

module.exports = { Model, buildQuery };
