'use strict';
// The same IIFE shape inside a route handler runs on every request: each one starts another
// interval that nothing clears.
const express = require('express');

const app = express();
const stats = { hits: 0 };

app.get('/track', (req, res) => {
  (function () {
    setInterval(() => stats.hits++, 1000); // expect: interval-not-cleared
  })();
  res.json(stats);
});

// A module wrapped in an IIFE defines its methods inside it; they run whenever they are called
// (each connect starts another keep-alive interval).
const Bot = (function () {
  function Bot(client) {
    this.client = client;
  }
  Bot.prototype.connect = function () {
    const self = this;
    this.client.on('online', function () {
      setInterval(function () { // expect: interval-not-cleared
        self.client.send(' ');
      }, 30000);
    });
  };
  return Bot;
})();

module.exports = { app, Bot };
