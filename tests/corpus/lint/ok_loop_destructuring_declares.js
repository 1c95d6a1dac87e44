// `for (let [key, value] of ...)` declares both names, as `for (let key of ...)` declares one:
// a later `value = ...` in the loop writes the loop's own binding, not a global (read from
// session 12's reviews of FlowFuse).
const cleaner = require('./cleaner');

module.exports = {
  async updateSettings(obj) {
    const updates = [];
    for (let [key, value] of Object.entries(obj)) {
      if (key === 'env') {
        value = cleaner.removePlatformValues(value);
      }
      updates.push({ key, value });
    }
    for (let { name, tags: [first] } of obj.devices) {
      first = cleaner.normalise(first);
      updates.push({ name, first });
    }
    return updates;
  },
};
