const express = require('express');
const { EventEmitter } = require('events');

const app = express();
const updates = new EventEmitter();

app.get('/stream', (req, res) => {
  const onChange = (change) => res.write(`data: ${JSON.stringify(change)}\n\n`);
  updates.on('change', onChange);
  res.on('close', () => updates.off('change', onChange));
});

app.get('/once', (req, res) => {
  updates.once('change', (change) => res.json(change));
});

app.get('/signal', (req, res) => {
  const controller = new AbortController();
  window.addEventListener('message', (e) => res.send(e.data), { signal: controller.signal });
  req.on('close', () => controller.abort());
});

// Listeners on the request and response themselves die with them.
app.post('/upload', (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => res.json({ size: Buffer.concat(chunks).length }));
});

// Registered once at start-up, not per request.
updates.on('change', (change) => console.log('changed', change.id));
process.on('SIGTERM', () => process.exit(0));

app.listen(3000);
