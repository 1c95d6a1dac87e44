'use strict';
// Repeated work outside routes: cron jobs, queue consumers, per-connection code and exported
// functions (issue 11, modes 1, 2 and 3).
const cron = require('node-cron');
const { MongoClient } = require('mongodb');
const { Agent } = require('undici');
const { EventEmitter } = require('events');
const amqp = require('amqplib');

const jobs = new EventEmitter();

function exportOrders() {
  const client = new MongoClient(process.env.MONGO_URL); // expect: client-per-request
  return client.connect().then(() => client.db('app').collection('orders').countDocuments());
}

cron.schedule('0 3 * * *', exportOrders);

async function startConsumer() {
  const conn = await amqp.connect('amqp://127.0.0.1');
  const channel = await conn.createChannel();
  await channel.consume('mail', async (msg) => {
    const publisher = await conn.createChannel(); // expect: client-per-request
    publisher.sendToQueue('audit', msg.content);
    channel.ack(msg);
  });
}

async function proxy(url, verbose) {
  const dispatcher = new Agent({ keepAliveTimeout: 10000 }); // expect: client-per-request
  const res = await fetch(url, { dispatcher });
  if (verbose) await dispatcher.close();
  return res.text();
}

function waitForJob(id) {
  return new Promise((resolve) => {
    const onDone = (job) => {
      if (job.id !== id) return;
      jobs.off('done', onDone);
      resolve(job.result);
    };
    jobs.on('done', onDone); // expect: listener-not-removed
  });
}

function onConnection(socket) {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort()); // expect: listener-not-removed
  socket.on('close', () => controller.abort());
}

void startConsumer();
module.exports = { proxy, waitForJob, onConnection };
