'use strict';
// subscribe() stores a wrapper around the listener, and the unsubscribe function it hands
// back looks for the listener itself, which is not in the list: nothing is ever taken out
// until dispose() empties the whole list.
class PriceFeed {
  constructor() {
    this.subscribers = [];
  }

  subscribe(listener) {
    const wrapped = (tick) => listener(tick.symbol, tick.price);
    this.subscribers.push(wrapped); // expect: field-collection-growth
    return () => this.subscribers.splice(this.subscribers.indexOf(listener), 1);
  }

  publish(tick) {
    for (const subscriber of this.subscribers) subscriber(tick);
  }

  dispose() {
    this.subscribers = [];
  }
}

module.exports = PriceFeed;
