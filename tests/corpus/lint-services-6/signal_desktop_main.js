// Electron main process in the style of Signal Desktop's app/main (ipcMain handlers set up in
// one place, a main window recreated on activate, a tray service, power monitor hooks,
// settings channels, a SQL worker started once). Plain CommonJS, function style.
'use strict';

const { app, BrowserWindow, ipcMain, powerMonitor, session, nativeTheme, Tray, Menu } = require('electron');
const path = require('path');
const { Worker } = require('worker_threads');
const https = require('https');
const { EventEmitter } = require('events');

let mainWindow;
let tray;
let sqlWorker;
let updateTimer;
const windowListeners = new Map();
const attachmentDownloads = new Map();
const openedUrls = [];
const appEvents = new EventEmitter();

// ---- app/sql_channel.js: the SQL worker is made once on ready
function startSqlWorker() {
  sqlWorker = new Worker(path.join(__dirname, 'sql_worker.js')); // ok: resource-per-request
  sqlWorker.on('error', (err) => console.error('sql worker', err)); // ok: listener-leak
  ipcMain.handle('sql-channel:call', (_event, method, args) => callSql(method, args)); // ok: listener-leak
}

let nextId = 0;
function callSql(method, args) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.id !== id) return;
      sqlWorker.off('message', onMessage);
      if (msg.error) reject(new Error(msg.error));
      else resolve(msg.result);
    };
    sqlWorker.on('message', onMessage); // ok: listener-leak
    sqlWorker.postMessage({ id, method, args });
  });
}

function callSqlWithTimeout(method, args) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.id !== id) return;
      clearTimeout(timer);
      sqlWorker.off('message', onMessage);
      resolve(msg.result);
    };
    // on timeout the promise rejects but the message listener stays on the worker
    const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 10000); // ok: timer-leak
    sqlWorker.on('message', onMessage); // leak: listener-leak
    sqlWorker.postMessage({ id, method, args });
  });
}

// ---- app/main.js: window creation, called at ready and on every macOS activate
function createWindow() {
  mainWindow = new BrowserWindow({ width: 800, height: 610, show: false, webPreferences: { preload: path.join(__dirname, 'preload.js') } });

  const onThemeUpdated = () => mainWindow?.webContents.send('native-theme:changed', nativeTheme.shouldUseDarkColors);
  nativeTheme.on('updated', onThemeUpdated); // ok: listener-leak
  windowListeners.set(mainWindow.id, onThemeUpdated); // ok: unbounded-collection

  // the power monitor hooks are added per window and never removed
  powerMonitor.on('resume', () => mainWindow?.webContents.send('power-channel:resume')); // leak: listener-leak
  powerMonitor.on('suspend', () => mainWindow?.webContents.send('power-channel:suspend')); // leak: listener-leak

  // presence heartbeat to the renderer, restarted per window without clearing the old one
  setInterval(() => mainWindow?.webContents.send('heartbeat', Date.now()), 30000); // leak: timer-leak

  mainWindow.webContents.on('will-navigate', (event, url) => { // ok: listener-leak
    event.preventDefault();
    openedUrls.push(url); // leak: unbounded-collection
  });

  mainWindow.once('ready-to-show', () => mainWindow.show()); // ok: listener-leak
  mainWindow.on('closed', () => { // ok: listener-leak
    for (const fn of windowListeners.values()) nativeTheme.off('updated', fn);
    windowListeners.clear();
    // only one main window exists at a time
    mainWindow = undefined;
  });
}

// ---- app/attachment_channel.js
ipcMain.handle('attachments:download', async (_event, url, id) => { // ok: listener-leak
  // a keep-alive agent per download, never destroyed
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2 }); // leak: resource-per-request
  const chunks = []; // ok: unbounded-collection
  await new Promise((resolve, reject) => {
    const req = https.get(url, { agent }, (res) => {
      res.on('data', (c) => chunks.push(c)); // ok: unbounded-collection
      res.once('end', resolve); // ok: listener-leak
    });
    req.once('error', reject); // ok: listener-leak
  });
  attachmentDownloads.set(id, Buffer.concat(chunks)); // leak: unbounded-cache
  return id;
});

ipcMain.handle('attachments:read', (_event, id) => { // ok: listener-leak
  const data = attachmentDownloads.get(id);
  attachmentDownloads.delete(id);
  return data;
});

// settings channels: each is installed once at start-up
const settingsCache = new Map();
function installSetting(name, getter, setter) {
  ipcMain.handle(`settings:get:${name}`, async () => { // ok: listener-leak
    if (!settingsCache.has(name)) settingsCache.set(name, await getter()); // ok: unbounded-cache
    return settingsCache.get(name);
  });
  ipcMain.handle(`settings:set:${name}`, async (_e, value) => { // ok: listener-leak
    settingsCache.set(name, value); // ok: unbounded-cache
    await setter(value);
  });
}

// the renderer asks to be told about spell-check changes; every request adds one more hook
ipcMain.on('spellcheck:subscribe', (event) => { // ok: listener-leak
  session.defaultSession.on('spellcheck-dictionary-download-success', (_e, lang) => { // leak: listener-leak
    event.sender.send('spellcheck:ready', lang);
  });
});

ipcMain.on('spellcheck:subscribe-once', (event) => { // ok: listener-leak
  const wc = event.sender;
  const onReady = (_e, lang) => wc.send('spellcheck:ready', lang);
  session.defaultSession.on('spellcheck-dictionary-download-success', onReady); // ok: listener-leak
  wc.once('destroyed', () => session.defaultSession.off('spellcheck-dictionary-download-success', onReady)); // ok: listener-leak
});

// crash reports: every renderer log line is appended to a global array shipped on demand
ipcMain.on('log:renderer', (_event, line) => { // ok: listener-leak
  global.rendererLogs = global.rendererLogs || [];
  global.rendererLogs.push(line); // leak: global-growth
  if (global.rendererLogs.length > 5000) global.rendererLogs.splice(0, 1000);
});

ipcMain.on('debug:mark', (_event, mark) => { // ok: listener-leak
  global.debugMarks = (global.debugMarks || []).concat([{ mark, at: Date.now() }]); // leak: global-growth
});

// update checks: replaced on each call, cleared on quit
function scheduleUpdateCheck() {
  clearInterval(updateTimer);
  updateTimer = setInterval(() => appEvents.emit('check-for-updates'), 6 * 3600 * 1000); // ok: timer-leak
}

app.whenReady().then(() => {
  global.appStartedAt = Date.now(); // ok: global-growth
  startSqlWorker();
  installSetting('theme', async () => 'system', async () => {});
  installSetting('spellcheck', async () => true, async () => {});
  createWindow();
  scheduleUpdateCheck();
  tray = new Tray(path.join(__dirname, 'images/tray.png')); // ok: resource-per-request
  tray.setContextMenu(Menu.buildFromTemplate([{ label: 'Quit', role: 'quit' }]));
  appEvents.on('check-for-updates', () => callSql('getUpdateInfo', [])); // ok: listener-leak
});

app.on('activate', () => { // ok: listener-leak
  if (!mainWindow) createWindow();
});

app.on('before-quit', () => { // ok: listener-leak
  clearInterval(updateTimer);
  tray?.destroy();
  sqlWorker?.terminate();
});

module.exports = { callSql, callSqlWithTimeout };
