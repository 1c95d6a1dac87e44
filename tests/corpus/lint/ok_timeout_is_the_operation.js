// The delay is the measurement itself: only the timer's callback settles the promise, so
// nothing can finish first and leave it pending.
const os = require('os');

module.exports = function sampleLoad(ms = 500) {
  return new Promise((resolve, reject) => {
    const before = os.loadavg()[0];
    setTimeout(() => {
      try {
        resolve(os.loadavg()[0] - before);
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
};
