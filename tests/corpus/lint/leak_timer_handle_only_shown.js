// Per-request intervals whose handle is only turned into a flag or printed: nobody can
// clear them, so each request leaves one running for good.
const express = require('express');
const app = express();

app.post('/watch/:id', (req, res) => {
  const poll = setInterval(() => refresh(req.params.id), 15000); // expect: interval-not-cleared, closure-captures-request, closure-captures-request
  res.json({ watching: Boolean(poll) });
});

app.post('/check/:id', (req, res) => {
  const timer = setInterval(() => refresh(req.params.id), 5000); // expect: interval-not-cleared, closure-captures-request
  console.log('polling check', req.params.id, timer);
  res.sendStatus(202);
});

function refresh(id) {
  return fetch(`http://127.0.0.1:9000/items/${id}`);
}

module.exports = app;
