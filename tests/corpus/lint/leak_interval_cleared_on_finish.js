'use strict';
// A server-sent-events stream: the interval writes to the response until the client
// leaves, which emits 'close'; 'finish' only comes when the server ends the response.
const express = require('express');

const app = express();

app.get('/feed/prices', (req, res) => {
  res.setHeader('content-type', 'text/event-stream');
  const pump = setInterval(() => res.write(`data: ${Date.now()}\n\n`), 2000); // expect: interval-not-cleared, closure-captures-request
  res.once('finish', () => clearInterval(pump));
});

module.exports = app;
