// A function every call goes through, whose listener goes on behind a "done" flag that only
// ever becomes true: once per process.
const { EventEmitter } = require('node:events');

const loader = new EventEmitter();
let warmedUp = false;

function whenWarm(task) {
  if (warmedUp) return task();
  loader.once('ready', () => {
    warmedUp = true;
    loader.on('progress', (step) => console.log('warm-up:', step));
    task();
  });
}

exports.render = (page) => whenWarm(() => page.render());
exports.prefetch = (page) => whenWarm(() => page.prefetch());
