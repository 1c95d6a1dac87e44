// A module-level object built by assignment whose list is capped: nothing to report.
const stats = {};
stats.recent = [];

function note(latency) {
  stats.recent.push(latency);
  if (stats.recent.length > 100) stats.recent.shift();
}

module.exports = { note, stats };
