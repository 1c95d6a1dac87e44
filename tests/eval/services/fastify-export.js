'use strict';
// Fastify service exporting rows; a flush hook list kept at module level. fastify@4 from npm.
const fastify = require('fastify')({ logger: false });

class ExportRow { // eval: export-rows
  constructor(i, batch) { // eval: export-rows
    this.i = i;
    this.batch = batch;
    this.cells = ['a' + i, 'b' + i, 'c' + i];
  }
}

const flushHooks = [];
const pendingAcks = new Map();

class PendingAck {
  constructor(id) {
    this.id = id;
    this.fields = new Array(20).fill(id);
  }
}

let batchNo = 0;
fastify.get('/export', async (request, reply) => {
  const batch = ++batchNo;
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push(new ExportRow(i, batch)); // eval: export-rows
  const summary = { batch, count: rows.length };
  function onFlush() { // eval: export-rows
    return summary.count;
  }
  function debugDump() { // eval: export-rows
    return rows.map((row) => row.cells.join(',')).join('\n');
  }
  flushHooks.push(onFlush);
  if (request.query.debug === '1') request.log.info(debugDump());
  pendingAcks.set(batch, new PendingAck(batch));
  reply.header('x-batch', String(batch));
  return summary;
});

fastify.addHook('onResponse', async (request, reply) => {
  pendingAcks.delete(Number(reply.getHeader('x-batch')));
});

fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
