// Per-key slots re-set per request to a closure that keeps the slot's old value: a chain per
// key, one link (and one request) per call.
import express from 'express';

const app = express();
const formatters = {};

app.put('/format/:locale', (req, res) => {
  const earlier = formatters[req.params.locale];
  formatters[req.params.locale] = earlier ? (n) => earlier(n) + req.body.suffix : (n) => String(n); // expect: closure-captures-request
  res.sendStatus(204);
});

app.post('/trace/:id', (req, res) => {
  const shared = globalThis;
  shared.tracers ??= {};
  const before = shared.tracers?.[req.params.id];
  shared.tracers[req.params.id] = () => `${before ? before() : ''}${req.body.step}`; // expect: closure-captures-request, global-collection-growth
  res.sendStatus(202);
});
