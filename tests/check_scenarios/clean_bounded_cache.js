// Correct: an LRU cache capped at 50 entries (it fills during warm-up, then evicts).
const profileCache = new Map();
const LIMIT = 50;
let requestNumber = 0;

exports.iteration = function handleRequest() {
  requestNumber += 1;
  const key = 'user:' + requestNumber;
  profileCache.set(key, { key, name: 'name ' + requestNumber, roles: ['reader'] });
  if (profileCache.size > LIMIT) profileCache.delete(profileCache.keys().next().value);
};
