'use strict';
// Electron main process in the shape of Joplin desktop's ElectronAppWrapper (app-desktop:
// one wrapper object made at start, a main BrowserWindow, secondary windows per note, ipcMain
// handlers for the renderer, a tray, powerMonitor hooks, custom protocol handlers, a plugin
// host per plugin). The wrapper lives as long as the app; ipc handlers run per renderer call.

const { app, BrowserWindow, ipcMain, Tray, Menu, powerMonitor, protocol, nativeTheme, screen } = require('electron');
const path = require('path');
const fs = require('fs-extra');
const { EventEmitter } = require('events');

class ElectronAppWrapper {
	constructor(electronApp, env, profilePath, isDebugMode) {
		this.electronApp_ = electronApp;
		this.env_ = env;
		this.profilePath_ = profilePath;
		this.isDebugMode_ = isDebugMode;
		this.win_ = null;
		this.tray_ = null;
		this.secondaryWindows_ = new Map();
		this.pluginWindows_ = {};
		this.rendererProcessQuitReply_ = null;
		this.updateCheckTimer_ = null;
		this.events_ = new EventEmitter();
		this.openedFiles_ = [];
		this.thumbCache_ = {};
	}

	window() { return this.win_; }

	createWindow() {
		const { width, height } = screen.getPrimaryDisplay().workAreaSize;
		this.win_ = new BrowserWindow({ width: Math.min(1200, width), height: Math.min(800, height), show: false, // ok: resource-per-request
			webPreferences: { preload: path.join(__dirname, 'preload.js'), contextIsolation: true } });
		this.win_.loadFile(path.join(__dirname, 'index.html'));
		this.win_.once('ready-to-show', () => this.win_.show()); // ok: listener-leak

		const onThemeUpdated = () => this.win_.webContents.send('theme-changed', nativeTheme.shouldUseDarkColors);
		nativeTheme.on('updated', onThemeUpdated); // ok: listener-leak
		this.win_.on('closed', () => { // ok: listener-leak
			nativeTheme.off('updated', onThemeUpdated);
			this.win_ = null;
		});

		this.win_.webContents.on('did-finish-load', () => { // ok: listener-leak
			// did-finish-load fires again on every reload of the renderer
			powerMonitor.on('resume', () => { // leak: listener-leak
				this.win_ && this.win_.webContents.send('system-resume');
			});
		});

		this.win_.webContents.on('render-process-gone', (_e, details) => { // ok: listener-leak
			this.events_.emit('renderer-gone', details.reason);
		});
	}

	openNoteWindow(noteId) {
		if (this.secondaryWindows_.has(noteId)) {
			this.secondaryWindows_.get(noteId).focus();
			return;
		}
		const win = new BrowserWindow({ width: 700, height: 600, parent: this.win_ }); // ok: resource-per-request
		this.secondaryWindows_.set(noteId, win); // ok: unbounded-collection
		win.loadFile(path.join(__dirname, 'note.html'), { query: { noteId } });
		win.once('closed', () => this.secondaryWindows_.delete(noteId)); // ok: listener-leak
	}

	openPluginDialog(pluginId, html) {
		const win = new BrowserWindow({ width: 500, height: 400, modal: true, parent: this.win_ }); // leak: resource-per-request
		this.pluginWindows_[pluginId] = win; // ok: unbounded-collection
		win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
		win.on('close', (event) => { // ok: listener-leak
			// hides instead of closing so the plugin can show it again; a new window is made next time anyway
			event.preventDefault();
			win.hide();
		});
	}

	startUpdateChecks(checkFn) {
		if (this.updateCheckTimer_) clearInterval(this.updateCheckTimer_);
		this.updateCheckTimer_ = setInterval(() => checkFn().catch(() => {}), 12 * 60 * 60 * 1000); // ok: timer-leak
	}

	stopUpdateChecks() {
		clearInterval(this.updateCheckTimer_);
		this.updateCheckTimer_ = null;
	}

	buildTray(iconPath, menuItems) {
		if (this.tray_) this.tray_.destroy();
		this.tray_ = new Tray(iconPath); // ok: resource-per-request
		this.tray_.setContextMenu(Menu.buildFromTemplate(menuItems));
		this.tray_.on('click', () => this.win_ && this.win_.show()); // ok: listener-leak
	}

	registerProtocols() {
		protocol.handle('joplin-content', async (request) => {
			const url = new URL(request.url);
			const file = path.join(this.profilePath_, 'resources', path.basename(url.pathname));
			if (!this.thumbCache_[file]) {
				this.thumbCache_[file] = await fs.readFile(file); // leak: unbounded-cache
			}
			return new Response(this.thumbCache_[file]);
		});
	}

	registerIpc() {
		ipcMain.handle('open-note-window', (_event, noteId) => this.openNoteWindow(noteId));

		ipcMain.handle('open-file', async (_event, filePath) => {
			this.openedFiles_.push({ filePath, at: Date.now(), content: await fs.readFile(filePath, 'utf8') }); // leak: unbounded-collection
			return true;
		});

		ipcMain.handle('watch-external-edit', (event, filePath) => {
			const sender = event.sender;
			const watcher = fs.watch(filePath, () => sender.send('external-edit', filePath)); // ok: resource-per-request
			sender.once('destroyed', () => watcher.close()); // ok: listener-leak
		});

		ipcMain.handle('watch-sync-target', (event, dir) => {
			const sender = event.sender;
			const poll = setInterval(async () => { // leak: timer-leak
				const stat = await fs.stat(dir).catch(() => null);
				if (!sender.isDestroyed()) sender.send('sync-target-stat', stat ? stat.mtimeMs : 0);
			}, 5000);
			return true;
		});

		ipcMain.handle('on-renderer-gone', (event) => {
			const sender = event.sender;
			this.events_.on('renderer-gone', (reason) => { // leak: listener-leak
				if (!sender.isDestroyed()) sender.send('peer-renderer-gone', reason);
			});
		});

		ipcMain.handle('set-quit-handler', (event, label) => {
			const before = this.rendererProcessQuitReply_;
			const windowState = { bounds: this.win_.getBounds(), label, sender: event.sender };
			this.rendererProcessQuitReply_ = () => { // leak: closure-capture
				if (before) before();
				windowState.sender.send('app-will-quit', windowState.label);
			};
		});

		ipcMain.handle('pick-colour', (event) => new Promise((resolve) => {
			const sender = event.sender;
			const onPicked = (_e, colour) => { clearTimeout(t); resolve(colour); };
			const t = setTimeout(() => { // ok: timer-leak
				ipcMain.removeListener('colour-picked', onPicked);
				resolve(null);
			}, 30000);
			ipcMain.once('colour-picked', onPicked); // ok: listener-leak
			sender.send('show-colour-picker');
		}));
	}

	async start() {
		await app.whenReady();
		this.registerProtocols();
		this.registerIpc();
		this.createWindow();
		powerMonitor.on('suspend', () => this.events_.emit('suspend')); // ok: listener-leak
		app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); }); // ok: listener-leak
		app.on('activate', () => { if (!this.win_) this.createWindow(); }); // ok: listener-leak
		app.on('before-quit', () => { // ok: listener-leak
			this.stopUpdateChecks();
			if (this.rendererProcessQuitReply_) this.rendererProcessQuitReply_();
		});
	}
}

module.exports = { ElectronAppWrapper };
