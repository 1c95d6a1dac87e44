// Each attempt dials anew and listens on the link that attempt made; the retry makes another
// one, so no emitter collects listeners.
const { dial } = require('./transport');

function keepLinked(address, onFrame) {
  return dial(address).then((link) => {
    link.on('frame', onFrame);
    link.on('close', () => setTimeout(() => keepLinked(address, onFrame), 1000));
    return link;
  });
}

module.exports = keepLinked;
