// An exported hook that the host runs again (a reload, a re-created server) puts the same
// module function on `process` each time: Node keeps it once per add.
// Sixth session; names and shapes are this file's own.
function flushAndExit(reason) {
  console.error('fatal:', reason);
  process.exitCode = 1;
}

exports.onServerCreated = function (server, done) {
  server.locals.started = Date.now();
  process.on('unhandledRejection', flushAndExit); // expect: listener-not-removed
  done();
};

// Registered once, while the module loads.
process.on('uncaughtException', flushAndExit);

exports.flushAndExit = flushAndExit;
