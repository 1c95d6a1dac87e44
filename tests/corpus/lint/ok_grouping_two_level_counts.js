// Counters in two levels, by status class then by status code: a bounded grid of numbers,
// written without being read first - a grouping, not a cache.
const counts = { ok: {}, error: {} };

function record(statusClass, code) {
  counts[statusClass][code] = (counts[statusClass][code] || 0) + 1;
}

function snapshot() {
  return JSON.parse(JSON.stringify(counts));
}

module.exports = { record, snapshot };
