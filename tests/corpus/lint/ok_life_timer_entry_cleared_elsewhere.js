'use strict';
// Server-sent events: the ping interval stops itself once its stream is gone, and it is also
// kept in the stream's entry, which drop() clears on every way out (close, error, eviction).
const express = require('express');

const app = express();
const streams = new Map();

function drop(key) {
  const entry = streams.get(key);
  if (!entry) return;
  clearInterval(entry.ping);
  streams.delete(key);
}

app.get('/feed/:topic', (req, res) => {
  const key = `${req.params.topic}:${req.ip}`;
  drop(key);
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const ping = setInterval(() => {
    const entry = streams.get(key);
    if (!entry) {
      clearInterval(ping);
      return;
    }
    entry.res.write(': ping\n\n');
  }, 25_000);
  streams.set(key, { res, ping });
  req.on('close', () => drop(key));
});

module.exports = app;
