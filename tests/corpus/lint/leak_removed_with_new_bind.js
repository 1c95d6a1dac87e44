// A feed that follows the config store while running: stop() "removes" a second bound copy, so
// every start() after a stop() leaves one more listener (and this whole feed) on the store.
class PriceFeed {
  constructor(store) {
    this.store = store;
  }

  start() {
    this.store.on('change', this.refresh.bind(this)); // expect: listener-not-removed
  }

  stop() {
    this.store.removeListener('change', this.refresh.bind(this));
  }

  refresh(next) {
    this.prices = next.prices;
  }
}

module.exports = PriceFeed;
