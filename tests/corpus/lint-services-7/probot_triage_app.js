'use strict';
// Probot app (CommonJS) in the shape of the GitHub-maintained apps: one exported function that
// receives the app, registers webhook handlers with app.on, reads per-repo config through
// context.config and talks to GitHub through context.octokit. The function runs once per process.

const { EventEmitter } = require('events');
const { Octokit } = require('@octokit/rest');
const { createAppAuth } = require('@octokit/auth-app');
const LRU = require('lru-cache');
const Redis = require('ioredis');
const { scheduler } = require('./lib/scheduler');

const CONFIG_FILE = 'triage.yml';
const DEFAULTS = { daysUntilStale: 60, staleLabel: 'stale', exemptLabels: ['pinned'], perform: true };

// module state: lives as long as the probot server process
const configCache = new LRU({ max: 500, ttl: 5 * 60 * 1000 }); // ok: unbounded-cache
const installationTokens = {};
const reviewRequests = new Map();
const labelColors = new Map();
const progress = new EventEmitter();
const redis = new Redis(process.env.REDIS_URL); // ok: resource-per-request

labelColors.set('stale', 'ededed'); // ok: unbounded-collection
labelColors.set('triage', 'fbca04'); // ok: unbounded-collection

class Triage {
  constructor (context, config, logger) {
    this.context = context;
    this.config = Object.assign({}, DEFAULTS, config);
    this.logger = logger;
    this.seen = []; // one Triage per webhook delivery
  }

  async markStale (issue) {
    const { staleLabel } = this.config;
    this.seen.push(issue.number); // ok: unbounded-collection
    const params = this.context.repo({ issue_number: issue.number, labels: [staleLabel] });
    return this.context.octokit.issues.addLabels(params);
  }

  async sweep () {
    const { owner, repo } = this.context.repo();
    const q = `repo:${owner}/${repo} is:open updated:<${this.since()}`;
    const results = await this.context.octokit.search.issuesAndPullRequests({ q, per_page: 30 });
    for (const issue of results.data.items) {
      if (issue.labels.some((l) => this.config.exemptLabels.includes(l.name))) continue;
      await this.markStale(issue);
      progress.emit('marked', { repo, number: issue.number });
    }
  }

  since () {
    const ms = this.config.daysUntilStale * 86400000;
    return new Date(Date.now() - ms).toISOString().slice(0, 10);
  }
}

async function loadConfig (context) {
  const key = `${context.payload.repository.id}`;
  const hit = configCache.get(key);
  if (hit) return hit;
  const config = await context.config(CONFIG_FILE, DEFAULTS);
  configCache.set(key, config); // ok: unbounded-cache
  return config;
}

// helper one call away from the handlers: builds an installation client
function installationClient (installationId) {
  return new Octokit({ // leak: resource-per-request
    authStrategy: createAppAuth,
    auth: { appId: process.env.APP_ID, privateKey: process.env.PRIVATE_KEY, installationId }
  });
}

module.exports = (app, { getRouter }) => {
  app.log.info('triage app loaded');

  progress.on('marked', ({ repo, number }) => app.log.debug(`${repo}#${number} marked`)); // ok: listener-leak

  const sweepTimer = setInterval(() => { // ok: timer-leak
    redis.publish('triage:tick', String(Date.now())).catch(() => {});
  }, 60 * 1000);
  sweepTimer.unref();

  app.on('schedule.repository', async (context) => {
    const config = await loadConfig(context);
    const triage = new Triage(context, config, app.log);
    await triage.sweep();
  });

  app.on('installation.created', async (context) => {
    const id = context.payload.installation.id;
    const token = await context.octokit.apps.createInstallationAccessToken({ installation_id: id });
    installationTokens[id] = token.data.token; // leak: unbounded-cache
  });

  app.on('installation.deleted', async (context) => {
    configCache.delete(`${context.payload.installation.id}`);
  });

  app.on('pull_request.review_requested', async (context) => {
    const pr = context.payload.pull_request;
    const list = reviewRequests.get(pr.id) || [];
    list.push({ reviewer: context.payload.requested_reviewer, payload: context.payload }); // leak: unbounded-collection
    reviewRequests.set(pr.id, list);
  });

  app.on('pull_request.closed', async (context) => {
    // forgets only the counter, the review list stays in reviewRequests
    const pr = context.payload.pull_request;
    await redis.del(`reviews:${pr.id}`);
  });

  app.on('issue_comment.created', async (context) => {
    const body = context.payload.comment.body.trim();
    if (!body.startsWith('/triage')) return;
    const client = installationClient(context.payload.installation.id);
    await client.issues.addLabels(context.issue({ labels: ['triage'] }));
  });

  app.on('issues.opened', async (context) => {
    const issue = context.payload.issue;
    // waits for the labeller service, which announces results on the shared emitter
    progress.on('labelled', (evt) => { // leak: listener-leak
      if (evt.number === issue.number) {
        context.octokit.issues.createComment(context.issue({ body: `Labelled ${evt.label}` }));
      }
    });
    await redis.rpush('label:queue', JSON.stringify({ number: issue.number }));
  });

  app.on('issues.labeled', async (context) => {
    const number = context.payload.issue.number;
    const done = await new Promise((resolve) => {
      const onReply = (evt) => {
        if (evt.number !== number) return;
        progress.off('labelled', onReply);
        clearTimeout(timer);
        resolve(evt);
      };
      const timer = setTimeout(() => { // ok: timer-leak
        progress.off('labelled', onReply);
        resolve(null);
      }, 10000);
      progress.on('labelled', onReply); // ok: listener-leak
    });
    if (done) app.log.info(`label ${done.label} confirmed on #${number}`);
  });

  app.on('check_run.rerequested', async (context) => {
    const { check_run: run } = context.payload;
    const poll = setInterval(async () => { // leak: timer-leak
      const res = await context.octokit.checks.get(context.repo({ check_run_id: run.id }));
      if (res.data.status === 'completed') {
        app.log.info(`check ${run.id} completed`);
      }
    }, 15000);
    app.log.debug(`polling check run ${run.id}`, poll);
  });

  app.on('label.created', async (context) => {
    const { label } = context.payload;
    if (labelColors.size < 200) labelColors.set(label.name, label.color); // ok: unbounded-collection
  });

  scheduler(app, { delay: !process.env.DISABLE_DELAY, interval: 60 * 60 * 1000 });

  const router = getRouter('/triage');
  router.get('/status', async (req, res) => {
    const count = await redis.llen('label:queue');
    res.json({ queued: count, configs: configCache.size });
  });

  router.post('/hooks/:name', (req, res) => {
    const name = req.params.name;
    const prev = app.hooks && app.hooks[name];
    const body = req.body;
    app.hooks = app.hooks || {};
    app.hooks[name] = (payload) => { // leak: closure-capture
      if (prev) prev(payload);
      app.log.info(`hook ${name} from ${body.source}`);
    };
    res.status(204).end();
  });
};
