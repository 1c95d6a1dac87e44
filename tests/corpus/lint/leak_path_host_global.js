/* global PORTAL */
// An emitter on a global the host application sets up (declared nowhere in this file): it
// outlives every request. Sixth session; names and shapes are this file's own.
const express = require('express');

const router = express.Router();

router.get('/tickets/:id/watch', (req, res) => {
  res.set('content-type', 'text/event-stream');
  PORTAL.tickets.on('updated', (ticket) => { // expect: listener-not-removed, closure-captures-request
    if (ticket.id === req.params.id) res.write(`data: ${JSON.stringify(ticket)}\n\n`);
  });
});

router.get('/tickets/:id/follow', (req, res) => {
  res.set('content-type', 'text/event-stream');
  const onUpdated = (ticket) => {
    if (ticket.id === req.params.id) res.write(`data: ${JSON.stringify(ticket)}\n\n`);
  };
  PORTAL.tickets.on('updated', onUpdated);
  res.on('close', () => PORTAL.tickets.off('updated', onUpdated));
});

module.exports = router;
