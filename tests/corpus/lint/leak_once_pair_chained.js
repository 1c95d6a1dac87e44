// `on` and `once` return the emitter, so the chain below adds both listeners to `radio`:
// each transmit() leaves behind whichever of 'ack' and 'lost' did not come.
const radio = require('./radio');

function transmit(frame) {
  return new Promise((resolve, reject) => {
    radio
      .once('ack', resolve) // expect: listener-not-removed
      .once('lost', reject); // expect: listener-not-removed
    radio.send(frame);
  });
}

module.exports = { transmit };
