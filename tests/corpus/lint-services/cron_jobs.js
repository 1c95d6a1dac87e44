'use strict';
// Scheduled jobs with node-cron and a hand-rolled scheduler (CommonJS, promises with .then).
const cron = require('node-cron');
const { MongoClient } = require('mongodb');
const axios = require('axios');
const fs = require('fs');

const mongo = new MongoClient(process.env.MONGO_URL); // ok: resource-per-request
const reportsSent = [];
const exchangeRates = new Map();
const scheduled = new Map();

function fetchRates() {
  return axios.get('https://rates.invalid/latest').then((res) => {
    for (const [code, rate] of Object.entries(res.data.rates)) {
      exchangeRates.set(code, rate); // ok: unbounded-cache
    }
  });
}

function sendDailyReport() {
  return mongo.db('app').collection('orders').countDocuments().then((count) => {
    reportsSent.push({ count, at: new Date() }); // leak: unbounded-collection
  });
}

function archiveLogs() {
  const client = new MongoClient(process.env.MONGO_URL); // ok: resource-per-request
  return client
    .connect()
    .then(() => client.db('app').collection('logs').deleteMany({ at: { $lt: Date.now() - 864e5 } }))
    .finally(() => client.close());
}

function exportCsv() {
  const client = new MongoClient(process.env.MONGO_URL); // leak: resource-per-request
  return client
    .connect()
    .then(() => client.db('app').collection('orders').find().toArray())
    .then((rows) => fs.promises.writeFile('/tmp/orders.csv', rows.map((r) => r._id).join('\n')));
}

function scheduleReminder(userId, at, message) {
  const existing = scheduled.get(userId);
  if (existing) clearTimeout(existing);
  const handle = setTimeout(() => { // ok: timer-leak
    scheduled.delete(userId);
    console.log('remind', userId, message);
  }, at - Date.now());
  scheduled.set(userId, handle); // ok: unbounded-collection
}

let pollHandle;
function startPolling(url) {
  pollHandle = setInterval(() => axios.get(url).catch(() => {}), 5000); // leak: timer-leak
}

let watchdog;
function armWatchdog() {
  clearInterval(watchdog);
  watchdog = setInterval(() => console.log('alive'), 60_000); // ok: timer-leak
}

const tasks = [
  cron.schedule('0 * * * *', fetchRates),
  cron.schedule('0 6 * * *', sendDailyReport),
  cron.schedule('30 2 * * *', archiveLogs),
  cron.schedule('0 3 * * 1', exportCsv),
  cron.schedule('*/5 * * * *', () => startPolling(process.env.HEALTH_URL)),
];

armWatchdog();

process.on('SIGTERM', () => { // ok: listener-leak
  for (const t of tasks) t.stop();
  clearInterval(watchdog);
  clearInterval(pollHandle);
  mongo.close();
});

module.exports = { scheduleReminder, armWatchdog };
