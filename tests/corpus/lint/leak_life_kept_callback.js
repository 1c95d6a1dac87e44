// A request's closure handed to a method of a module-level object whose class keeps every
// function it is given.
const express = require('express');

class AfterSend {
  constructor() { this.steps = []; }
  then(step) { this.steps.push(step); } // expect: field-collection-growth
  fire(value) { for (const step of this.steps) step(value); }
}

const afterSend = new AfterSend();
const app = express();

app.post('/upload', (req, res) => {
  afterSend.then((v) => console.log(v, req.headers['content-length'])); // expect: closure-captures-request
  res.sendStatus(202);
});

module.exports = app;
