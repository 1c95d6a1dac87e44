'use strict';
// Collections declared in a function that runs once (a plugin, a factory) and grown by the
// per-call closures it registers or returns; buckets grown per call; removal only on cancel.
const cursorTrail = {};
const inFlight = {};

async function auditPlugin(fastify) {
  const accepted = [];

  fastify.post('/audit', async (request, reply) => {
    accepted.push({ id: request.id, at: Date.now() }); // expect: module-collection-growth
    reply.code(202).send();
  });

  fastify.get('/audit/count', async () => ({ total: accepted.length }));
}

function createRpc(send) {
  let lastId = 0;
  const waiting = new Map();

  function call(method, params) {
    const id = ++lastId;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject }); // expect: module-collection-growth
      send({ id, method, params });
    });
  }

  function onReply(message) {
    const entry = waiting.get(message.id);
    if (entry) entry.resolve(message.result);
  }

  return { call, onReply };
}

function onCursor(socket, userId) {
  socket.on('cursor', (position) => {
    (cursorTrail[userId] = cursorTrail[userId] || []).push(position); // expect: module-collection-growth
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
    inFlight[request.id] = { abort: () => stream.destroy(), response }; // expect: module-collection-growth
  });
}

module.exports = { auditPlugin, createRpc, onCursor, cancel, start };
