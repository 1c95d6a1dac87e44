const { EventEmitter } = require('events');
const { Worker } = require('bullmq');

const prices = new EventEmitter();
const recent = [];

// Registered once while the module loads: one listener for the life of the process.
prices.on('tick', (tick) => console.log(tick.symbol));

const resolvers = {
  Query: {
    quote: async (_parent, { symbol }, { dataSources }) => {
      const onTick = (tick) => dataSources.cache.set(symbol, tick);
      prices.on('tick', onTick);
      try {
        return await dataSources.quotes.get(symbol);
      } finally {
        prices.off('tick', onTick);
      }
    },
  },
};

new Worker('invoices', async (job) => {
  recent.push(job.id);
  if (recent.length > 100) recent.shift();
});

module.exports = { resolvers };
