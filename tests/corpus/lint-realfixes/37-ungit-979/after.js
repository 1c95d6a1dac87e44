'use strict';
const express = require('express');
const session = require('express-session');
const MemoryStore = require('memorystore')(session);

const app = express();
app.use(session({
  secret: process.env.SESSION_SECRET,
  resave: false,
  saveUninitialized: true,
  store: new MemoryStore({ checkPeriod: 86400000 }),
}));
app.get('/api/status', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  res.json({ views: req.session.views });
});

module.exports = app;
