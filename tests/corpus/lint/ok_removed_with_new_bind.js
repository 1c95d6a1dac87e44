// The same feed keeps the bound function it added, and removes that one.
class PriceFeed {
  constructor(store) {
    this.store = store;
    this.onChange = this.refresh.bind(this);
  }

  start() {
    this.store.on('change', this.onChange);
  }

  stop() {
    this.store.removeListener('change', this.onChange);
  }

  refresh(next) {
    this.prices = next.prices;
  }
}

module.exports = PriceFeed;
