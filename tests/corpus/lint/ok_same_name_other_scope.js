// One listener kept at module level and removed by name from another function: the same
// binding, so the removal counts.
const { EventEmitter } = require('events');

const quotes = new EventEmitter();
let onQuote = null;

function follow(socket) {
  onQuote = (q) => socket.send(JSON.stringify(q));
  quotes.on('quote', onQuote);
}

function unfollow() {
  quotes.off('quote', onQuote);
  onQuote = null;
}

module.exports = { follow, unfollow };
