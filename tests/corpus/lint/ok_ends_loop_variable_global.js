// The same loops with their variables declared, in the loop or in the function.
var registry = require('./registry');

function expireSessions(sessions, now) {
  for (var sid in sessions) {
    if (sessions[sid].expiresAt < now) delete sessions[sid];
  }
}

function totalBytes(files) {
  var total = 0, file;
  for (file of files) total += file.size;
  return total;
}

function firstKey(table) {
  for (const key in table) return key;
  return null;
}

module.exports = { expireSessions, totalBytes, firstKey, registry };
