'use strict';

// Agenda worker style (after agenda's README and the worker processes built on it: one Agenda over
// MongoDB made at boot, job definitions in jobs/*.js as `module.exports = (agenda) => { agenda.define(
// name, options, async (job) => {...}) }`, agenda.every / agenda.schedule, agenda.on('start' |
// 'complete' | 'fail') events, graceful agenda.stop() on SIGTERM). CommonJS with semicolons.

const { Agenda } = require('@hokify/agenda');
const mongoose = require('mongoose');
const { MongoClient } = require('mongodb');
const { LRUCache } = require('lru-cache');

const { Report, User } = require('./models');
const mailer = require('./mailer');
const calendar = require('./calendar');

const agenda = new Agenda({ db: { address: process.env.MONGO_URL, collection: 'agendaJobs' }, processEvery: '30 seconds', maxConcurrency: 10 });

const pollers = {};
const reportCache = new Map();
const userCache = new LRUCache({ max: 5000, ttl: 10 * 60 * 1000 });
const failedJobs = [];

global.__jobDurations = global.__jobDurations || {}; // ok: global-growth

const reportRenderer = {
  render: (report) => `<h1>${report.title}</h1>${report.rows.map((r) => `<p>${r.label}: ${r.value}</p>`).join('')}`,
};

function wrapWithLocale(render, locale) {
  return (report) => render({ ...report, title: `${report.title} (${locale})` });
}

function analyticsDb() {
  return new MongoClient(process.env.ANALYTICS_URL, { maxPoolSize: 5 }).db('analytics'); // leak: resource-per-request
}

async function userById(id) {
  let user = userCache.get(String(id));
  if (!user) {
    user = await User.findById(id).lean();
    userCache.set(String(id), user); // ok: unbounded-cache
  }
  return user;
}

function defineReportJobs(agendaInstance) {
  agendaInstance.define('build-report', { concurrency: 4, lockLifetime: 10 * 60 * 1000 }, async (job) => { // ok: closure-capture
    const { userId, range } = job.attrs.data;
    const started = Date.now();
    const touch = setInterval(() => job.touch().catch(() => {}), 60 * 1000); // ok: timer-leak
    try {
      const user = await userById(userId);
      const key = `${userId}:${range}`;
      let html = reportCache.get(key);
      if (!html) {
        const rows = [];
        const cursor = analyticsDb().collection('events').find({ userId, range }).stream();
        for await (const event of cursor) {
          rows.push({ label: event.name, value: event.count }); // ok: unbounded-collection
        }
        reportRenderer.render = wrapWithLocale(reportRenderer.render, user.locale); // leak: closure-capture
        html = reportRenderer.render({ title: `Report ${range}`, rows });
        reportCache.set(key, html); // leak: unbounded-cache
      }
      await Report.create({ userId, range, html });
    } finally {
      clearInterval(touch);
      global.__jobDurations[`${job.attrs.name}:${job.attrs._id}`] = Date.now() - started; // leak: global-growth
    }
  });

  agendaInstance.define('send-digest', async (job) => { // ok: closure-capture
    const client = new MongoClient(process.env.ANALYTICS_URL); // ok: resource-per-request
    try {
      const top = await client.db('analytics').collection('daily').find({ day: job.attrs.data.day }).limit(10).toArray();
      for (const user of await User.find({ digest: true }).lean()) {
        await mailer.send(user.email, 'Your daily digest', top);
      }
    } finally {
      await client.close();
    }
  });

  agendaInstance.define('sync-calendar', async (job) => {
    const { accountId } = job.attrs.data;
    pollers[accountId] = setInterval(async () => { // leak: timer-leak
      await calendar.pullChanges(accountId).catch(() => {});
    }, 30 * 1000);
    await calendar.fullSync(accountId);
  });

  agendaInstance.define('export-csv', async (job) => {
    const { userId } = job.attrs.data;
    agendaInstance.on('complete:build-report', async (done) => { // leak: listener-leak
      if (String(done.attrs.data.userId) === String(userId)) {
        await mailer.send((await userById(userId)).email, 'Your export is ready', done.attrs.data);
      }
    });
    await agendaInstance.now('build-report', { userId, range: 'last-30-days' });
  });

  agendaInstance.define('retry-failed', async () => {
    for (let i = failedJobs.length - 1; i >= 0; i -= 1) {
      const attrs = failedJobs[i];
      try {
        await agendaInstance.now(attrs.name, attrs.data);
        failedJobs.splice(i, 1);
      } catch (err) {
        attrs.lastError = err.message;
      }
    }
  });
}

function waitForCompletion(agendaInstance, name, id) {
  return new Promise((resolve) => {
    const onComplete = (job) => {
      if (String(job.attrs._id) !== String(id)) return;
      agendaInstance.off(`complete:${name}`, onComplete);
      clearTimeout(timer);
      resolve(job);
    };
    const timer = setTimeout(() => { // ok: timer-leak
      agendaInstance.off(`complete:${name}`, onComplete);
      resolve(null);
    }, 5 * 60 * 1000);
    agendaInstance.on(`complete:${name}`, onComplete); // ok: listener-leak
  });
}

async function start() {
  await mongoose.connect(process.env.MONGO_URL); // ok: resource-per-request
  defineReportJobs(agenda);

  agenda.on('ready', () => console.info('agenda ready')); // ok: listener-leak
  agenda.on('error', (err) => console.error('agenda error', err)); // ok: listener-leak
  agenda.on('start', (job) => console.info(`start ${job.attrs.name}`)); // ok: listener-leak
  agenda.on('fail', (err, job) => {
    failedJobs.push({ name: job.attrs.name, data: job.attrs.data, lastError: err.message }); // leak: unbounded-collection
  });

  await agenda.start();
  await agenda.every('5 minutes', 'sync-calendar', { accountId: process.env.PRIMARY_ACCOUNT });
  await agenda.every('1 day', 'send-digest', { day: new Date().toISOString().slice(0, 10) });
  await agenda.every('15 minutes', 'retry-failed');

  const graceful = async () => {
    for (const timer of Object.values(pollers)) clearInterval(timer);
    await agenda.stop();
    await mongoose.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', graceful); // ok: listener-leak
  process.once('SIGINT', graceful);
}

module.exports = { agenda, start, waitForCompletion, defineReportJobs };
