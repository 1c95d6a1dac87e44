// Two routes with a listener of the same local name: the one that removes itself only after
// returning early for the events it is not waiting for leaks when its event never comes,
// whatever the other route does with its own.
const express = require('express');
const { EventEmitter } = require('events');

const orders = new EventEmitter();
const app = express();

app.get('/orders/:id/wait', (req, res) => {
  const id = req.params.id;
  const onStatus = (evt) => {
    if (evt.id !== id) return;
    orders.off('status', onStatus);
    res.json(evt);
  };
  orders.on('status', onStatus); // expect: listener-not-removed
});

app.get('/orders/:id/next', (req, res) => {
  const onStatus = (evt) => {
    orders.off('status', onStatus);
    res.json(evt);
  };
  orders.on('status', onStatus);
  req.on('close', () => orders.off('status', onStatus));
});

module.exports = app;
