'use strict';

// Three files of node-schedule 1.3 in one: lib/Job.js (cut to the job registry and
// schedule() for dates), lib/schedule.js (scheduleJob) and the part of lib/Invocation.js
// that fires an invocation. Services call schedule.scheduleJob(date, fn) for one-off work:
// a reminder per order, a retry per failed call.
const events = require('events')
const lt = require('long-timeout')

const scheduledJobs = {};

let anonJobCounter = 0;
function resolveAnonJobName() {
  if (anonJobCounter === Number.MAX_SAFE_INTEGER) {
    anonJobCounter = 0
  }
  anonJobCounter++

  return `<Anonymous Job ${anonJobCounter}>`
}

function Job(name, job, callback) {
  let pendingInvocations = [];

  const jobName = name && typeof name === 'string' ? name : resolveAnonJobName();
  this.job = name && typeof name === 'function' ? name : job;
  this.callback = typeof callback === 'function' ? callback : false;

  Object.defineProperty(this, 'name', {
    value: jobName,
    writable: false,
    enumerable: true
  });

  this.trackInvocation = function(invocation) {
    pendingInvocations.push(invocation);
    return true;
  };
  this.stopTrackingInvocation = function(invocation) {
    const invIdx = pendingInvocations.indexOf(invocation);
    if (invIdx > -1) {
      pendingInvocations.splice(invIdx, 1);
      return true;
    }
    return false;
  };
  this.deleteFromSchedule = function() {
    deleteScheduledJob(this.name);
  };
  this.cancel = function(reschedule) {
    for (let j = 0; j < pendingInvocations.length; j++) {
      cancelInvocation(pendingInvocations[j]);
    }
    pendingInvocations = [];

    if (!reschedule) {
      this.deleteFromSchedule();
    }
    return true;
  };
}

Object.setPrototypeOf(Job.prototype, events.EventEmitter.prototype);

Job.prototype.invoke = function(fireDate) {
  return this.job(fireDate);
};

Job.prototype.schedule = function(spec) {
  let success = false;

  if (spec instanceof Date && !isNaN(spec.getTime())) {
    this.isOneTimeJob = true;
    if (spec.getTime() >= Date.now()) {
      const inv = { job: this, fireDate: spec, timerID: null };
      scheduleInvocation(inv);
      success = this.trackInvocation(inv);
    }
  }

  scheduledJobs[this.name] = this;
  return success;
};

function deleteScheduledJob(name) {
  if (name) {
    delete scheduledJobs[name];
  }
}

// lib/Invocation.js
function scheduleInvocation(invocation) {
  invocation.timerID = lt.setTimeout(function() {
    const job = invocation.job;
    if (job.callback) {
      job.callback();
    }

    job.stopTrackingInvocation(invocation);

    try {
      const result = job.invoke(invocation.fireDate);
      job.emit('run');
      if (result instanceof Promise) {
        result.catch(function (err) {
          job.emit('error', err);
        });
      }
    } catch (err) {
      job.emit('error', err);
    }

    if (job.isOneTimeJob) {
      job.deleteFromSchedule();
    }
  }, Math.max(0, invocation.fireDate.getTime() - Date.now()));
  invocation.job.emit('scheduled', invocation.fireDate);
}

function cancelInvocation(invocation) {
  if (invocation.timerID !== null) {
    lt.clearTimeout(invocation.timerID);
    invocation.timerID = null;
  }
}

// lib/schedule.js
function scheduleJob() {
  if (arguments.length < 2) {
    throw new RangeError('Invalid number of arguments');
  }

  const name = (arguments.length >= 3 && typeof arguments[0] === 'string') ? arguments[0] : null;
  const spec = name ? arguments[1] : arguments[0];
  const method = name ? arguments[2] : arguments[1];
  const callback = name ? arguments[3] : arguments[2];

  if (typeof method !== 'function') {
    throw new RangeError('The job method must be a function.');
  }

  const job = new Job(name, method, callback);

  if (job.schedule(spec)) {
    return job;
  }

  return null;
}

module.exports = {
  Job,
  scheduleJob,
  scheduledJobs
}
