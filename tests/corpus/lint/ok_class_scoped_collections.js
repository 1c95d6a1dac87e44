'use strict';
// Look-alikes: scoped collections that are trimmed, per-call locals, and entries removed on
// every path.
const cursorTrail = {};
const inFlight = {};

async function auditPlugin(fastify) {
  const accepted = [];

  fastify.post('/audit', async (request, reply) => {
    accepted.push({ id: request.id, at: Date.now() });
    if (accepted.length > 1000) accepted.shift();
    reply.code(202).send();
  });
}

function createRpc(send) {
  let lastId = 0;
  const waiting = new Map();

  function call(method, params) {
    const id = ++lastId;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      send({ id, method, params });
    });
  }

  function onReply(message) {
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (entry) entry.resolve(message.result);
  }

  return { call, onReply };
}

function summarise(rows) {
  const totals = {};
  for (const row of rows) {
    (totals[row.kind] = totals[row.kind] || []).push(row.value);
  }
  return totals;
}

function onCursor(socket, userId) {
  socket.on('cursor', (position) => {
    const trail = (cursorTrail[userId] = cursorTrail[userId] || []);
    trail.push(position);
    if (trail.length > 50) trail.shift();
  });
  socket.on('disconnect', () => {
    delete cursorTrail[userId];
  });
}

function cancel(request) {
  const entry = inFlight[request.id];
  if (!entry) return;
  entry.abort();
  delete inFlight[request.id];
}

function start(request, stream) {
  stream.on('response', (response) => {
    inFlight[request.id] = { abort: () => stream.destroy(), response };
  });
  stream.on('end', () => {
    delete inFlight[request.id];
  });
}

module.exports = { auditPlugin, createRpc, summarise, onCursor, cancel, start };
