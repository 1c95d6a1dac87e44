// An installer handed a long-lived feed: the table it declares lives as long as the
// subscription it leaves on the feed, and every tick adds one more row.
module.exports = function attachTicker(feed) {
  const ticks = [];
  const latest = new Map();

  feed.subscribe('tick', (tick) => {
    ticks.push({ symbol: tick.symbol, price: tick.price }); // expect: module-collection-growth
    latest.set(tick.symbol, tick.price);
  });
  feed.subscribe('halt', (symbol) => latest.delete(symbol));

  return { last: (symbol) => latest.get(symbol), count: () => ticks.length };
};
