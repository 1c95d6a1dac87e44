'use strict';
// Look-alikes: the stream's interval stops on 'close'; a request that ends its own response
// may stop its interval on 'finish'.
const express = require('express');

const app = express();

app.get('/feed/prices', (req, res) => {
  res.setHeader('content-type', 'text/event-stream');
  const pump = setInterval(() => res.write(`data: ${Date.now()}\n\n`), 2000);
  res.on('close', () => clearInterval(pump));
});

app.get('/report', (req, res) => {
  const progress = setInterval(() => res.write('.'), 1000);
  res.on('finish', () => clearInterval(progress));
  setImmediate(() => res.end('done'));
});

module.exports = app;
