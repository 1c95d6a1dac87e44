// Leak of about 200 bytes per iteration: one small audit record kept per iteration.
const audit = [];

exports.iteration = function record() {
  const n = audit.length;
  audit.push({ at: n, user: 'user-' + n, action: 'read', tags: [n, n + 1, n + 2, n + 3, n + 4, n + 5] });
};
