// Per-request intervals whose handle goes somewhere that clears it: returned to the caller,
// handed to a function that stops it, or cleared when the request closes.
const express = require('express');
const app = express();
const stopLater = (handle, ms) => setTimeout(() => clearInterval(handle), ms);

app.post('/watch/:id', (req, res) => {
  const poll = setInterval(() => refresh(req.params.id), 15000);
  stopLater(poll, 60000);
  res.json({ watching: true });
});

app.get('/stream/:id', (req, res) => {
  const timer = setInterval(() => res.write('data: ping\n\n'), 5000);
  console.log('streaming', req.params.id, Boolean(timer));
  req.on('close', () => clearInterval(timer));
});

function startPolling(id) {
  const handle = setInterval(() => refresh(id), 1000);
  return handle;
}

function refresh(id) {
  return fetch(`http://127.0.0.1:9000/items/${id}`);
}

module.exports = { app, startPolling };
