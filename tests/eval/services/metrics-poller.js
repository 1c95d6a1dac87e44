'use strict';
// Old-school prototype style with module state. Plain node http.
var http = require('http');

function PollJob(target) { // eval: poll-jobs
  this.target = target;
  this.samples = [];
  this.lastRun = 0;
  this.labels = { target: target, region: 'eu-west-1', tier: 'gold' };
}
PollJob.prototype.tick = function () {
  this.lastRun = Date.now();
  if (this.samples.length < 4) this.samples.push(this.lastRun);
};

function Deadline(ms) {
  this.ms = ms;
  this.created = Date.now();
  this.reason = 'request took longer than ' + ms + ' ms';
}

function StatsWindow() {
  this.count = 0;
  this.totals = new Array(32).fill(0);
}

var stats = new StatsWindow();
// Flushed once a minute by one interval made at start-up.
setInterval(function flushStats() { stats = new StatsWindow(); }, 60000).unref();

function watchTarget(target) {
  var job = new PollJob(target);
  setInterval(function () { job.tick(); }, 30000); // eval: poll-jobs
  return job;
}

function withDeadline(ms, work, done) {
  var guard = new Deadline(ms);
  var timer = setTimeout(function () { done(new Error(guard.reason)); }, ms);
  work(function (value) {
    clearTimeout(timer);
    done(null, value);
  });
}

var counter = 0;
http.createServer(function (req, res) {
  counter += 1;
  stats.count += 1;
  stats.totals[counter % 32] += 1;
  if (req.url.indexOf('/watch') === 0) watchTarget('host-' + counter);
  withDeadline(5000, function (cb) { setImmediate(cb, counter); }, function (err, value) {
    res.end(err ? 'late' : 'ok ' + value);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
