'use strict';
// A client's public registration API: `onConnect(fn)` hands the caller's function to the
// client's own emitter, as `on` itself would; one listener per deliberate registration (read
// from session 10's reviews of alpaca-trade-api-js).
const { EventEmitter } = require('events');

class StreamClient extends EventEmitter {
  constructor() {
    super();
    this.market = new EventEmitter();
  }

  onConnect(fn) {
    this.on('connected', fn);
  }

  onTrade(fn) {
    this.market.on('trade', (trade) => fn(trade.symbol, trade));
  }
}

module.exports = new StreamClient();
