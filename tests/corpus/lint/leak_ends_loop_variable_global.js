// A sloppy-mode script whose loops forget their declaration: each loop variable becomes a
// property of the global object, shared by every call.
var registry = require('./registry');

function expireSessions(sessions, now) {
  for (sid in sessions) { // expect: implicit-global
    if (sessions[sid].expiresAt < now) delete sessions[sid];
  }
}

function totalBytes(files) {
  var total = 0;
  for (file of files) total += file.size; // expect: implicit-global
  return total;
}

module.exports = { expireSessions, totalBytes, registry };
