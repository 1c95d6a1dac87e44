const express = require('express');

const app = express();
const waiting = [];

// Long polling: each request parks a callback until the next broadcast.
app.get('/poll', (req, res) => {
  waiting.push(() => res.json({ at: Date.now(), path: req.path })); // expect: module-collection-growth, closure-captures-request
});

app.post('/broadcast', (req, res) => {
  waiting.forEach((reply) => reply());
  res.sendStatus(204);
});

module.exports = app;
