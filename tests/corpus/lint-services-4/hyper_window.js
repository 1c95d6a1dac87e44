const {app, BrowserWindow, shell, Menu, ipcMain, powerMonitor, nativeTheme} = require('electron');
const {isAbsolute} = require('path');
const {parse: parseUrl} = require('url');
const uuid = require('uuid');
const isDev = require('electron-is-dev');
const toElectronBackgroundColor = require('../utils/to-electron-background-color');
const {icon, cfgDir} = require('../config/paths');
const createRPC = require('../rpc');
const notify = require('../notify');
const Session = require('../session');
const {getKeymaps: commands} = require('../config');
const editMenu = require('../menus/menus/edit');

const contextMenuTemplate = editMenu(commands).submenu;

// every working directory a session was ever opened in, for the "recent" menu
const recentDirs = [];
global.hyperSessionsByPid = global.hyperSessionsByPid || {}; // ok: global-growth

module.exports = class Window {
  constructor(options_, cfg, fn) {
    const winOpts = Object.assign(
      {
        minWidth: 370,
        minHeight: 190,
        backgroundColor: toElectronBackgroundColor(cfg.backgroundColor || '#000'),
        titleBarStyle: 'hiddenInset',
        title: 'Hyper.app',
        frame: process.platform === 'darwin',
        icon,
        show: Boolean(process.env.HYPER_DEBUG || isDev),
        acceptFirstMouse: true
      },
      options_
    );
    const window = new BrowserWindow(app.plugins.getDecoratedBrowserOptions(winOpts));
    const rpc = createRPC(window);
    const sessions = new Map();

    // config changes: unsubscribed in clean()
    const cfgUnsubscribe = app.config.subscribe(() => { // ok: listener-leak
      const cfg_ = app.plugins.getDecoratedConfig();
      window.webContents.send('config change');
      if (cfg_.shell !== cfg.shell) {
        notify('Shell configuration changed!', 'Open a new tab or window to start using the new shell');
      }
      cfg = cfg_;
    });

    const onThemeUpdated = () => rpc.emit('theme change', {dark: nativeTheme.shouldUseDarkColors});
    nativeTheme.on('updated', onThemeUpdated); // ok: listener-leak

    const onZoom = (event, level) => {
      if (event.sender === window.webContents) window.webContents.setZoomLevel(level);
    };
    ipcMain.on('zoom', onZoom); // ok: listener-leak

    // resume from sleep: ask every session of this window to redraw
    powerMonitor.on('resume', () => { // leak: listener-leak
      sessions.forEach((session, uid) => rpc.emit('session redraw', {uid}));
    });

    // report pty memory to the status bar; nothing stops this when the window goes
    const statsTimer = setInterval(() => { // leak: timer-leak
      const pids = [...sessions.values()].map(s => s.pty.pid);
      rpc.emit('session stats', {count: pids.length, pids});
    }, 5000);

    rpc.on('init', () => { // ok: listener-leak
      window.setBackgroundColor(toElectronBackgroundColor(cfg.backgroundColor || '#000'));
      window.show();
      if (!fn) {
        fn = win => win.rpc.emit('termgroup add req');
      }
      (app.windowCallback || fn)(window);
      delete app.windowCallback;
    });

    rpc.on('new', options => { // ok: listener-leak
      const sessionOpts = Object.assign(
        {
          rows: 40,
          cols: 100,
          cwd: process.argv[1] && isAbsolute(process.argv[1]) ? process.argv[1] : cfgDir,
          shell: cfg.shell,
          shellArgs: cfg.shellArgs && Array.from(cfg.shellArgs)
        },
        options
      );
      const uid = uuid.v4();
      const session = new Session(sessionOpts); // ok: resource-per-request
      sessions.set(uid, session); // ok: unbounded-collection
      recentDirs.push(sessionOpts.cwd); // leak: unbounded-collection
      global.hyperSessionsByPid[session.pty.pid] = {uid, window: window.id, startedAt: Date.now()}; // leak: global-growth

      rpc.emit('session add', {rows: sessionOpts.rows, cols: sessionOpts.cols, uid, shell: session.shell, pid: session.pty.pid});

      session.on('data', data => { // ok: listener-leak
        rpc.emit('session data', uid + data);
      });

      session.on('exit', () => { // ok: listener-leak
        rpc.emit('session exit', {uid});
        sessions.delete(uid);
      });
    });

    rpc.on('exit', ({uid}) => { // ok: listener-leak
      const session = sessions.get(uid);
      if (session) {
        session.exit();
      }
    });
    rpc.on('resize', ({uid, cols, rows}) => { // ok: listener-leak
      const session = sessions.get(uid);
      if (session) session.resize({cols, rows});
    });
    rpc.on('data', ({uid, data, escaped}) => { // ok: listener-leak
      const session = sessions.get(uid);
      if (!session) return;
      session.write(escaped ? `'${data.replace(/'/g, `'\\''`)}'` : data);
    });
    rpc.on('open external', ({url}) => { // ok: listener-leak
      shell.openExternal(url);
    });
    rpc.on('open context menu', () => { // ok: listener-leak
      window.focus();
      // allow enough time to select text before calling .popup()
      setTimeout(() => { // ok: timer-leak
        Menu.buildFromTemplate(contextMenuTemplate).popup();
      }, 100);
    });
    for (const ev of ['maximize', 'unmaximize', 'minimize', 'restore']) {
      window.on(ev, () => rpc.emit('windowGeometry change')); // ok: listener-leak
    }
    rpc.on('close', () => { // ok: listener-leak
      window.close();
    });

    const deleteSessions = () => {
      sessions.forEach((session, key) => {
        session.removeAllListeners();
        session.destroy();
        sessions.delete(key);
      });
    };

    let navigations = 0;
    window.webContents.on('did-navigate', () => { // ok: listener-leak
      if (navigations++) {
        deleteSessions();
      }
    });

    window.webContents.on('will-navigate', (event, url) => { // ok: listener-leak
      const protocol = typeof url === 'string' && parseUrl(url).protocol;
      if (protocol === 'http:' || protocol === 'https:') {
        event.preventDefault();
        rpc.emit('session data send', {data: url});
      }
    });

    window.rpc = rpc;
    window.sessions = sessions;

    const load = () => app.plugins.onWindow(window);
    load();
    const pluginsUnsubscribe = app.plugins.subscribe(err => { // ok: listener-leak
      if (!err) {
        load();
        window.webContents.send('plugins change');
      }
    });

    window.on('focus', () => { // ok: listener-leak
      window.focusTime = process.uptime();
    });

    // the window can be closed by the browser process itself
    window.clean = () => {
      app.config.winRecord(window);
      rpc.destroy();
      deleteSessions();
      cfgUnsubscribe();
      pluginsUnsubscribe();
      nativeTheme.removeListener('updated', onThemeUpdated);
      ipcMain.removeListener('zoom', onZoom);
    };
    window.focusTime = process.uptime();
    return window;
  }
};
