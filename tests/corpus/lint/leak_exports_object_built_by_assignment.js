// The module's exports object, given a name and filled in after it is made.
var Daemon = module.exports = {
  started: false,
};

Daemon.crashes = new Set();

Daemon.onCrash = function onCrash(child, code) {
  Daemon.crashes.add({ pid: child.pid, code, at: Date.now() }); // expect: module-collection-growth
  Daemon.restart(child);
};

Daemon.restart = function restart(child) {
  child.respawn();
};
