// billing-jobs: nightly and on-demand billing jobs (Node 8 era, still in production).
// Run with: node legacy_async_jobs.js --config /etc/billing/jobs.json

var fs = require('fs');
var util = require('util');
var EventEmitter = require('events').EventEmitter;
var async = require('async');
var mysql = require('mysql');
var request = require('request');

var dbConfig = JSON.parse(fs.readFileSync(process.argv[3] || './jobs.json', 'utf8')).mysql;
global.config = JSON.parse(fs.readFileSync(process.argv[3] || './jobs.json', 'utf8')); // ok: global-growth
global.jobStats = {};
startedAt = Date.now(); // ok: global-growth

var sharedPool = mysql.createPool(dbConfig); // ok: resource-per-request
var planCache = {};

function JobRunner(opts) {
  EventEmitter.call(this);
  this.concurrency = opts.concurrency || 4;
  this.queue = async.queue(this._work.bind(this), this.concurrency);
  this.history = [];
  this.poller = null;
}
util.inherits(JobRunner, EventEmitter);

JobRunner.prototype.start = function () {
  var self = this;
  this.poller = setInterval(function () { self.poll(); }, 5000); // ok: timer-leak
};

JobRunner.prototype.stop = function (cb) {
  clearInterval(this.poller);
  this.poller = null;
  if (this.queue.idle()) return cb();
  this.queue.drain(cb);
};

JobRunner.prototype.poll = function () {
  var self = this;
  if (!this.queue.idle()) return;
  sharedPool.query('SELECT * FROM billing_jobs WHERE state = "ready" LIMIT 20', function (err, rows) {
    if (err) return self.emit('error', err);
    rows.forEach(function (row) { self.queue.push(row); });
  });
};

JobRunner.prototype.watch = function (jobId, cb) {
  this.on('done:' + jobId, cb); // leak: listener-leak, closure-capture
};

JobRunner.prototype._work = function (job, done) {
  var self = this;
  var began = Date.now();
  async.waterfall([
    function (next) { fetchAccounts(job, next); },
    function (accounts, next) {
      async.mapLimit(accounts, 5, function (account, cb) {
        planFor(account.plan, function (err, plan) {
          if (err) return cb(err);
          chargeAccount(job, account, plan, cb);
        });
      }, next);
    },
    function (charges, next) {
      sharedPool.query('UPDATE billing_jobs SET state = "done" WHERE id = ?', [job.id], function (err) { next(err, charges); });
    }
  ], function (err, charges) {
    if (typeof processed === 'undefined') processed = {};
    processed[job.id] = Date.now(); // leak: global-growth
    global.jobStats[job.type] = global.jobStats[job.type] || [];
    global.jobStats[job.type].push(Date.now() - began); // leak: global-growth
    self.history.push({ id: job.id, error: err && err.message, charges: charges }); // leak: unbounded-collection
    self.emit('done:' + job.id, err, charges);
    done(err);
  });
};

function fetchAccounts(job, cb) {
  var pool = mysql.createPool(dbConfig); // leak: resource-per-request
  pool.query('SELECT id, plan, card_token FROM accounts WHERE billing_day = ?', [job.billing_day], cb);
}

function planFor(id, cb) {
  if (planCache[id]) return cb(null, planCache[id]);
  sharedPool.query('SELECT id, price_cents, currency FROM plans WHERE id = ?', [id], function (err, rows) {
    if (err) return cb(err);
    if (Object.keys(planCache).length > 200) planCache = {};
    planCache[id] = rows[0]; // ok: unbounded-cache
    cb(null, rows[0]);
  });
}

function chargeAccount(job, account, plan, cb) {
  var conn = mysql.createConnection(dbConfig); // ok: resource-per-request
  conn.connect();
  request.post({ url: global.config.gatewayUrl + '/charges', json: { token: account.card_token, amount: plan.price_cents, currency: plan.currency } }, function (err, res, body) {
    if (err) { conn.end(); return cb(err); }
    conn.query('INSERT INTO charges (job_id, account_id, gateway_id) VALUES (?, ?, ?)', [job.id, account.id, body.id], function (qerr) {
      conn.end();
      cb(qerr, body);
    });
  });
}

function sendReport() {
  var summary = Object.keys(global.jobStats).map(function (type) {
    return type + ': ' + global.jobStats[type].length + ' runs';
  }).join('\n');
  request.post({ url: global.config.reportWebhook, json: { text: summary } }, function () {});
}

var runner = new JobRunner({ concurrency: global.config.concurrency });
runner.on('error', function (err) { console.error('billing-jobs', err); }); // ok: listener-leak
runner.on('config', function (cfg) { // ok: listener-leak
  global.config = cfg;
  reportTimer = setInterval(sendReport, cfg.reportEveryMs || 3600000); // leak: timer-leak
});

fs.watch(process.argv[3] || './jobs.json', function () {
  fs.readFile(process.argv[3] || './jobs.json', 'utf8', function (err, text) {
    if (!err) runner.emit('config', JSON.parse(text));
  });
});

require('http').createServer(function (req, res) {
  var match = /^\/jobs\/(\d+)\/wait$/.exec(req.url);
  if (!match) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ uptime: Date.now() - startedAt, queued: runner.queue.length() }));
  }
  runner.watch(match[1], function (err, charges) {
    res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: err && err.message, charges: charges }));
  });
}).listen(global.config.port || 9100);

runner.start();
runner.emit('config', global.config);
process.once('SIGTERM', function () { // ok: listener-leak
  runner.stop(function () { sharedPool.end(function () { process.exit(0); }); });
});
