// A slot on the global object replaced without keeping the old value: one closure at a time.
import express from 'express';

const app = express();

app.post('/trace/:id', (req, res) => {
  const shared = globalThis;
  const id = String(req.params.id);
  const step = String(req.body.step);
  shared.lastTrace = () => `${id}:${step}`;
  res.sendStatus(202);
});
