// The same tracking, forgotten on 'close' (which every destroyed stream emits), and a table
// of the file's own jobs whose only ending event is the one the file emits.
const { EventEmitter } = require('events');

const uploads = new Map();
const jobs = new Map();

function track(req, uploadId) {
  uploads.set(uploadId, { bytes: 0, started: Date.now() });
  req.on('data', (chunk) => { uploads.get(uploadId).bytes += chunk.length; });
  req.on('close', () => { uploads.delete(uploadId); });
}

function startJob(jobId, work) {
  const job = new EventEmitter();
  jobs.set(jobId, job);
  job.on('end', () => jobs.delete(jobId));
  Promise.resolve().then(work).finally(() => job.emit('end'));
  return job;
}

module.exports = { track, startJob };
