// The emitter comes in as a parameter of a request handler, beside the request itself: it
// is the caller's, and outlives the request.
function attach(emitter, req, res) {
  emitter.on('data', (chunk) => res.write(chunk)); // expect: listener-not-removed, closure-captures-request
}

module.exports = attach;
