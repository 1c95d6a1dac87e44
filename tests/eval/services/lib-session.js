'use strict';
// express-session@1.18 with its default MemoryStore; clients never send the cookie back.
const express = require('express');
const session = require('express-session');

const app = express();
app.use(session({ // eval: memory-sessions
  secret: 'not-a-secret-eval-only',
  resave: false,
  saveUninitialized: true,
  cookie: { maxAge: 24 * 60 * 60 * 1000 },
}));

app.get('/cart', (req, res) => {
  req.session.cart = req.session.cart || { items: [], created: Date.now(), currency: 'EUR' };
  req.session.cart.items.push({ sku: 'sku-' + (Date.now() % 1000), qty: 1 });
  res.json({ items: req.session.cart.items.length });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
