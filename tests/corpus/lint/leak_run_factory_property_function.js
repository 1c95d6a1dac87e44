// A function-valued property of the object a factory returns (`watch: async function`) runs
// per call, and the factory's parameter outlives every call: a new listener per call stays.
// Seventh session; this file's own names and shape.
function makeTicker(feed) {
  return {
    watch: async function (symbol, onPrice) {
      feed.on('price', (sym, price) => { // expect: listener-not-removed
        if (sym === symbol) onPrice(price);
      });
      await feed.request(symbol);
    },
  };
}

module.exports = { makeTicker };
