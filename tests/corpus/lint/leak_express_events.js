const express = require('express');
const { EventEmitter } = require('events');

const app = express();
const updates = new EventEmitter();

app.get('/stream', (req, res) => {
  res.setHeader('Content-Type', 'text/event-stream');
  updates.on('change', (change) => { // expect: listener-not-removed, closure-captures-request
    res.write(`data: ${JSON.stringify(change)}\n\n`);
  });
});

app.post('/change', (req, res) => {
  updates.emit('change', req.body);
  res.sendStatus(204);
});

app.listen(3000);
