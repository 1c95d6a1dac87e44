// The same shape, but nothing ever sets the flag: the early return never happens and every
// job adds another listener to the process.
let reporterInstalled = false;

function installCrashReporter(queue) {
  if (reporterInstalled) { return; }
  process.on('uncaughtException', (error) => { // expect: listener-not-removed
    queue.push({ kind: 'crash', message: error.message });
  });
}

module.exports = function handleJob(job, queue) {
  installCrashReporter(queue);
  return job.run();
};
