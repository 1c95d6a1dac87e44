'use strict';
// Look-alikes of leak_call_jobs.js: clients closed on every path or made once at start-up,
// listeners that the normal path removes, lifecycle listeners added once.
const cron = require('node-cron');
const { MongoClient } = require('mongodb');
const { Agent } = require('undici');
const { EventEmitter } = require('events');
const amqp = require('amqplib');

const jobs = new EventEmitter();
const mongo = new MongoClient(process.env.MONGO_URL);

function exportOrders() {
  const client = new MongoClient(process.env.MONGO_URL);
  return client.connect()
    .then(() => client.db('app').collection('orders').countDocuments())
    .finally(() => client.close());
}

function countOrders() {
  return mongo.db('app').collection('orders').countDocuments();
}

cron.schedule('0 3 * * *', exportOrders);
cron.schedule('0 4 * * *', countOrders);

async function startConsumer() {
  const conn = await amqp.connect('amqp://127.0.0.1');
  const channel = await conn.createChannel();
  const publisher = await conn.createChannel();
  await channel.consume('mail', async (msg) => {
    publisher.sendToQueue('audit', msg.content);
    channel.ack(msg);
  });
}

async function proxy(url) {
  const dispatcher = new Agent({ keepAliveTimeout: 10000 });
  try {
    const res = await fetch(url, { dispatcher });
    return await res.text();
  } finally {
    await dispatcher.close();
  }
}

function nextJob() {
  return new Promise((resolve) => {
    jobs.once('done', resolve);
  });
}

function waitForJob(id, signal) {
  return new Promise((resolve) => {
    const onDone = (job) => {
      if (job.id !== id) return;
      cleanup();
      resolve(job.result);
    };
    const cleanup = () => {
      jobs.off('done', onDone);
      signal.removeEventListener('abort', cleanup);
    };
    jobs.on('done', onDone);
    signal.addEventListener('abort', cleanup, { once: true });
  });
}

function onConnection(socket) {
  const controller = new AbortController();
  const onTerm = () => controller.abort();
  process.once('SIGTERM', onTerm);
  socket.on('close', () => process.off('SIGTERM', onTerm));
}

void startConsumer();
process.once('SIGINT', () => mongo.close());
module.exports = { proxy, nextJob, waitForJob, onConnection };
