// Look-alike: the factory's method hands the host a function its caller passed in, once per
// destroy of the object it wraps; nothing is made per call.
const linkService = ({ host }) => {
  return {
    destroy(reason, done) {
      host.wire.on('gone', done);
      host.wire.end(reason);
    },
  };
};

module.exports = { linkService };
