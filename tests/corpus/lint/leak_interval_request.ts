import express, { Request, Response } from 'express';
import { audit } from './audit';

const app = express();

app.post('/jobs', (req: Request, res: Response) => {
  setInterval(() => { // expect: interval-not-cleared, closure-captures-request
    audit.log(req.body.user.id);
  }, 60_000).unref();
  res.sendStatus(202);
});

app.get('/report', async (req: Request, res: Response) => {
  setTimeout(() => audit.log('report', req.headers), 120000); // expect: closure-captures-request
  res.send('queued');
});

export default app;
