// The crash reporter is installed from every job, but the function returns early once a
// module-level flag says it is in place, and sets that flag after adding the listener: the
// listener goes on the process once.
let reporterInstalled = false;

function installCrashReporter(queue) {
  if (reporterInstalled) { return; }
  process.on('uncaughtException', (error) => {
    queue.push({ kind: 'crash', message: error.message });
  });
  reporterInstalled = true;
}

module.exports = function handleJob(job, queue) {
  installCrashReporter(queue);
  return job.run();
};
