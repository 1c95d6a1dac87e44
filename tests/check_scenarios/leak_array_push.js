// Leak: every iteration appends a request record to a module-level array, never trimmed.
const requestLog = [];
let served = 0;

exports.iteration = function handleRequest() {
  served += 1;
  const entry = { id: served, path: '/orders/' + served, status: 200 };
  requestLog.push(entry);
  return entry.status;
};
