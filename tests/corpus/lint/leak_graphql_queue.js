const { EventEmitter } = require('events');
const { Worker } = require('bullmq');

const prices = new EventEmitter();
const audit = [];

const resolvers = {
  Query: {
    quote: async (_parent, { symbol }, { dataSources }) => {
      prices.on('tick', (tick) => dataSources.cache.set(symbol, tick)); // expect: listener-not-removed
      return dataSources.quotes.get(symbol);
    },
  },
};

new Worker('invoices', async (job) => {
  audit.push({ id: job.id, at: Date.now() }); // expect: module-collection-growth
});

module.exports = { resolvers };
