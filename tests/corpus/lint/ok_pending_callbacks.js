const express = require('express');

const app = express();
let waiting = [];

// Long polling done right: the broadcast empties the list it answered.
app.get('/poll', (req, res) => {
  waiting.push(() => res.json({ at: Date.now() }));
});

app.post('/broadcast', (req, res) => {
  const answered = waiting;
  waiting = [];
  answered.forEach((reply) => reply());
  res.sendStatus(204);
});

module.exports = app;
