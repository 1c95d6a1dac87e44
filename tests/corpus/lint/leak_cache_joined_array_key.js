// A derived-key memo: the key joins the password digest, the salt and the iteration count, so
// every user and every salt adds an entry, and nothing ever drops one.
var crypto = require('crypto');

var derivedKeys = {};

var deriveKey = function (secret, salt, rounds) {
  var key = [secret, salt.toString('hex'), rounds].join(':');
  if (derivedKeys[key] !== undefined) return derivedKeys[key];
  var derived = crypto.pbkdf2Sync(secret, salt, rounds, 32, 'sha256');
  derivedKeys[key] = derived; // expect: cache-without-eviction
  return derived;
};

module.exports = function login(user, password) {
  return deriveKey(password, user.salt, 10000);
};
