// The keeper drops what it is given once used, or the closure captures only a small value.
const express = require('express');

class AfterSend {
  constructor() { this.steps = []; }
  then(step) { this.steps.push(step); }
  fire(value) { for (const step of this.steps.splice(0)) step(value); }
}

class Audit {
  constructor() { this.lines = []; }
  note(line) { this.lines.push(line); if (this.lines.length > 100) this.lines.shift(); }
}

const afterSend = new AfterSend();
const audit = new Audit();
const app = express();

app.post('/upload', (req, res) => {
  afterSend.then((v) => console.log(v, req.headers['content-length']));
  res.sendStatus(202);
});

function remember(size) {
  audit.note(() => size);
}

app.post('/size', (req, res) => {
  remember(req.headers['content-length']);
  res.sendStatus(204);
});

module.exports = app;
