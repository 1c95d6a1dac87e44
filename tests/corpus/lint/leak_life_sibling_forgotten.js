'use strict';
// A job dispatcher keeps each dispatched job in two tables under the job's name: the job
// itself, and when it was sent. A result takes the job out of `inFlight` but forgets
// `sentAt`; only a failure removes both. Every job that succeeds leaves its `sentAt` entry.
function Dispatcher(queue) {
  this.queue = queue;
  this.inFlight = new Map();
  this.sentAt = new Map();
  queue.on('result', (msg) => this.finish(msg));
  queue.on('failed', (msg) => this.fail(msg));
}

Dispatcher.prototype.dispatch = function (job) {
  this.inFlight.set(job.name, job);
  this.sentAt.set(job.name, Date.now()); // expect: field-collection-growth
  this.queue.send(job);
};

Dispatcher.prototype.finish = function (msg) {
  const job = this.inFlight.get(msg.name);
  this.inFlight.delete(msg.name);
  if (job) job.done(msg.value);
};

Dispatcher.prototype.fail = function (msg) {
  const job = this.inFlight.get(msg.name);
  this.inFlight.delete(msg.name);
  this.sentAt.delete(msg.name);
  if (job) job.error(new Error(msg.reason));
};

module.exports = Dispatcher;
