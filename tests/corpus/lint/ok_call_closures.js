'use strict';
// Look-alikes of leak_call_closures.js: the kept promises capture only small values, and the
// collections are trimmed.
const express = require('express');

const app = express();
const uploads = [];
const deliveries = new Map();

app.post('/upload', async (req, res) => {
  const buffer = await readBody(req);
  const size = buffer.length;
  uploads.push(new Promise((resolve) => setImmediate(() => resolve(size))));
  if (uploads.length > 100) uploads.shift();
  res.sendStatus(202);
});

exports.handler = async (event, context) => {
  const headers = { id: event.headers['x-id'] };
  const id = context.awsRequestId;
  deliveries.set(id, send(event.body).then((r) => log(headers, r)).finally(() => deliveries.delete(id)));
  return { statusCode: 202 };
};

function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (part) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });
}

async function send(body) {
  return body.length;
}

function log(...args) {
  console.log(...args);
}
