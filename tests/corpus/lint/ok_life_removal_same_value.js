'use strict';
// The same feed, unsubscribing the wrapper it stored.
class QuoteFeed {
  constructor() {
    this.subscribers = [];
  }

  subscribe(listener) {
    const wrapped = (tick) => listener(tick.symbol, tick.price);
    this.subscribers.push(wrapped);
    return () => this.subscribers.splice(this.subscribers.indexOf(wrapped), 1);
  }

  publish(tick) {
    for (const subscriber of this.subscribers) subscriber(tick);
  }

  dispose() {
    this.subscribers = [];
  }
}

module.exports = QuoteFeed;
