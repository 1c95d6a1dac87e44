'use strict';
// Callbacks kept on objects the set-up code was handed, replaced per request by a wrapper
// that calls the one it replaces: every request adds a link to a chain, with its request data.
const { ipcMain } = require('electron');

module.exports = (app, { getRouter }) => {
  const router = getRouter('/triage');

  router.post('/hooks/:name', (req, res) => {
    const name = req.params.name;
    const prev = app.hooks && app.hooks[name];
    app.hooks = app.hooks || {};
    app.hooks[name] = (payload) => { // expect: closure-captures-request
      if (prev) prev(payload);
      app.log.info(`hook ${name} from ${req.body.source}`);
    };
    res.json({ ok: true });
  });
};

class AppWrapper {
  registerIpc() {
    ipcMain.handle('set-quit-handler', (event, label) => {
      const before = this.onQuit;
      this.onQuit = () => { // expect: closure-captures-request
        if (before) before();
        event.sender.send('app-will-quit', label);
      };
    });
  }
}

module.exports.AppWrapper = AppWrapper;
