// Two stream routes name their listener alike; only the second takes its own off the bus. The
// first route's `onQuote` is never removed: removing another function's local of the same name
// removes nothing of it.
const express = require('express');
const { EventEmitter } = require('events');

const quotes = new EventEmitter();
const router = express.Router();

router.get('/quotes/live', (req, res) => {
  const onQuote = (q) => res.write(`data: ${JSON.stringify(q)}\n\n`);
  quotes.on('quote', onQuote); // expect: listener-not-removed
});

router.get('/quotes/once', (req, res) => {
  const onQuote = (q) => {
    quotes.off('quote', onQuote);
    res.json(q);
  };
  quotes.on('quote', onQuote);
  req.on('close', () => quotes.off('quote', onQuote));
});

module.exports = router;
