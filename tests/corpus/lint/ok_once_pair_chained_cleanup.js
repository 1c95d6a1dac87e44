// A chain of `once` listeners on the shared bus, and a cleanup that takes both off
// whichever outcome comes.
const bus = require('./bus');

function ask(question) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      bus.removeListener('answer', onAnswer).removeListener('silence', onSilence);
    };
    function onAnswer(text) { cleanup(); resolve(text); }
    function onSilence() { cleanup(); reject(new Error('no answer')); }
    bus.once('answer', onAnswer).once('silence', onSilence);
    bus.emit('question', question);
  });
}

module.exports = { ask };
