const express = require('express');
const sharp = require('sharp');

const app = express();
const thumbnails = new Map();

app.get('/thumb', (req, res) => {
  const key = `${req.query.url}:${req.query.w}`;
  if (!thumbnails.has(key)) {
    thumbnails.set(key, sharp(req.query.url).resize(Number(req.query.w))); // expect: cache-without-eviction
  }
  res.type('png').send(thumbnails.get(key));
});

module.exports = app;
