// Leak (ESM, async): a memo cache keyed by a value that never repeats, with no eviction.
const profileCache = new Map();
let requestNumber = 0;

export async function iteration() {
  requestNumber += 1;
  const key = `user:${requestNumber}`;
  if (!profileCache.has(key)) {
    profileCache.set(key, { key, name: 'name ' + requestNumber, roles: ['reader'] });
  }
  await Promise.resolve();
  return profileCache.get(key);
}
