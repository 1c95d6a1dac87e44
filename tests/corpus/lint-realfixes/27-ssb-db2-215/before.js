'use strict';
exports.init = function (sbot, config) {
  let liveDrainer = null;
  const state = { progress: 0, db: sbot.db };

  function updateProgress() {
    state.progress = sbot.db.getStatus().progress;
    sbot.emit('migrate-progress', state.progress);
  }

  function start() {
    const timer = setInterval(updateProgress, 1000); // leak: timer-leak
    liveDrainer = sbot.db.createLiveStream();
    liveDrainer.on('data', (msg) => sbot.db.add(msg));
  }

  sbot.close.hook(function (fn, args) {
    if (liveDrainer) liveDrainer.destroy();
    fn.apply(this, args);
  });

  if (config.db2 && config.db2.automigrate) start();
  return { start };
};
