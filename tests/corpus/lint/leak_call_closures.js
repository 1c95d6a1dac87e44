'use strict';
// Promises kept in never-trimmed collections whose callbacks hold the request's big data: an
// uploaded buffer, a serverless event (issue 11, mode 5).
const express = require('express');

const app = express();
const uploads = [];
const deliveries = new Map();

app.post('/upload', async (req, res) => {
  const buffer = await readBody(req);
  uploads.push(new Promise((resolve) => setImmediate(() => resolve(buffer.length)))); // expect: module-collection-growth, closure-captures-request
  res.sendStatus(202);
});

exports.handler = async (event, context) => {
  deliveries.set(context.awsRequestId, send(event.body).then((r) => log(event.headers, r))); // expect: module-collection-growth, closure-captures-request
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
