// A module-level object whose collections are set up by assignment while the module loads:
// the same containers as pairs of its literal, and they live as long as the process.
const tracker = {};
tracker.samples = [];
tracker.label = 'requests';

function onRequest(req) {
  tracker.samples.push({ path: req.url, at: Date.now() }); // expect: module-collection-growth
}

module.exports = { onRequest };
