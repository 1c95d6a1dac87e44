// The emitter comes in as a parameter: the rule cannot tell it outlives the request.
function attach(emitter, req, res) {
  emitter.on('data', (chunk) => res.write(chunk)); // expect: listener-not-removed (known miss)
}

module.exports = attach;
