const express = require('express');
const audit = require('./audit');

const app = express();

app.post('/jobs', (req, res) => {
  const userId = req.user.id;
  const timer = setInterval(() => audit.log(userId), 60000);
  res.on('close', () => clearInterval(timer));
  res.sendStatus(202);
});

app.get('/later', (req, res) => {
  const url = req.url;
  setTimeout(() => audit.log('visited', url), 120000);
  res.end('done'); // not in a closure: a sibling closure using `res` would keep it for 120 s
});

module.exports = app;
