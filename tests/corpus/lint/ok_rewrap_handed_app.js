'use strict';
// Wrappers that do not chain: made once by set-up code, replaced rather than wrapped, or
// wrapping the method of an object that dies with the request.
const { ipcMain } = require('electron');

module.exports = (app, { getRouter }) => {
  const router = getRouter('/triage');
  const log = app.log.info;
  app.log.info = (...args) => log('[triage]', ...args);

  router.post('/hooks/:name', (req, res) => {
    const name = req.params.name;
    app.hooks = app.hooks || {};
    app.hooks[name] = (payload) => app.log.info(`hook ${name}`, payload.id);
    const write = res.write;
    res.write = (chunk, ...rest) => write.call(res, chunk, ...rest);
    res.json({ ok: true });
  });
};

class AppWrapper {
  registerIpc() {
    ipcMain.handle('set-quit-handler', (event, label) => {
      this.onQuit = () => event.sender.send('app-will-quit', label);
    });
  }
}

module.exports.AppWrapper = AppWrapper;
