// Copyright (c) 2016-present Mattermost, Inc. All Rights Reserved.
// See LICENSE.txt for license information.
//
// Electron main process, after Mattermost Desktop's src/main/views/webContentEvents.ts,
// MattermostBrowserView.ts and viewManager.ts: one WebContentsEventManager and one ViewManager
// for the life of the app; a view per server tab, made again on every server reload.

import {BrowserWindow, ipcMain, powerMonitor, session, shell, WebContents, WebContentsView} from 'electron';
import log from 'electron-log';

import Config from 'common/config';
import urlUtils from 'common/utils/url';
import ServerManager from 'common/servers/serverManager';
import {MattermostServer} from 'common/servers/MattermostServer';
import {UPDATE_MENTIONS, BROWSER_HISTORY_PUSH, SERVERS_UPDATE, LOADSCREEN_END} from 'common/communication';

import {flushCookiesStore} from 'main/app/utils';
import ContextMenu from 'main/contextMenu';
import MainWindow from 'main/windows/mainWindow';

type CustomLogin = {
    inProgress: boolean;
}

const MAX_RETRIES = 3;

export class WebContentsEventManager {
    private customLogins: Record<number, CustomLogin>;
    private listeners: Record<number, () => void>;
    private popupWindow?: {win: BrowserWindow; serverURL?: URL};

    constructor() {
        this.customLogins = {};
        this.listeners = {};
    }

    private generateWillNavigate = (webContentsId: number) => {
        return (event: Event, url: string) => {
            const parsedURL = urlUtils.parseURL(url)!;
            const serverURL = ViewManagerInstance.getServerURLFromWebContentsId(webContentsId);
            if (serverURL && urlUtils.isTeamUrl(serverURL, parsedURL)) {
                return;
            }
            if (this.customLogins[webContentsId]?.inProgress) {
                flushCookiesStore(session.defaultSession);
                return;
            }
            log.info(`Prevented desktop from navigating to: ${url}`);
            event.preventDefault();
        };
    };

    private generateDidStartNavigation = (webContentsId: number) => {
        return (_event: Event, url: string) => {
            const parsedURL = urlUtils.parseURL(url)!;
            const serverURL = ViewManagerInstance.getServerURLFromWebContentsId(webContentsId);
            if (serverURL && urlUtils.isCustomLoginURL(parsedURL, serverURL)) {
                this.customLogins[webContentsId].inProgress = true;
            } else if (serverURL && this.customLogins[webContentsId].inProgress && urlUtils.isInternalURL(serverURL, parsedURL)) {
                this.customLogins[webContentsId].inProgress = false;
            }
        };
    };

    openPopup = (serverURL: URL, url: string) => {
        if (this.popupWindow) {
            this.popupWindow.win.once('ready-to-show', () => this.popupWindow?.win.show()); // ok: listener-leak
            this.popupWindow.win.loadURL(url);
            return;
        }
        const win = new BrowserWindow({show: false, center: true, backgroundColor: '#fff'});
        this.popupWindow = {win, serverURL};
        win.webContents.on('will-navigate', this.generateWillNavigate(win.webContents.id)); // ok: listener-leak
        win.once('closed', () => { // ok: listener-leak
            this.popupWindow = undefined;
        });
        new ContextMenu({}, win).reload();
        win.loadURL(url);
    };

    removeWebContentsListeners = (id: number) => {
        if (this.listeners[id]) {
            this.listeners[id]();
        }
    };

    addWebContentsEventListeners = (contents: WebContents, addListeners?: (contents: WebContents) => void, removeListeners?: (contents: WebContents) => void) => {
        this.customLogins[contents.id] = {inProgress: false}; // leak: unbounded-collection

        if (this.listeners[contents.id]) {
            this.removeWebContentsListeners(contents.id);
        }

        const willNavigate = this.generateWillNavigate(contents.id);
        contents.on('will-navigate', willNavigate); // ok: listener-leak
        const didStartNavigation = this.generateDidStartNavigation(contents.id);
        contents.on('did-start-navigation', didStartNavigation); // ok: listener-leak
        contents.setWindowOpenHandler((details) => {
            shell.openExternal(details.url);
            return {action: 'deny'};
        });
        addListeners?.(contents);

        const removeWebContentsListeners = () => {
            try {
                contents.removeListener('will-navigate', willNavigate);
                contents.removeListener('did-start-navigation', didStartNavigation);
                removeListeners?.(contents);
            } catch (e) {
                log.error(`Error while trying to detach listeners: ${e}`);
            }
        };

        this.listeners[contents.id] = removeWebContentsListeners; // leak: closure-capture
        contents.once('render-process-gone', () => removeWebContentsListeners()); // ok: listener-leak
    };
}

export const webContentsEventManager = new WebContentsEventManager();

export class MattermostWebContentsView {
    server: MattermostServer;
    webContentsView: WebContentsView;
    private retryLoad?: NodeJS.Timeout;
    private maxRetries = MAX_RETRIES;
    private onResume: () => void;

    constructor(server: MattermostServer) {
        this.server = server;
        this.webContentsView = new WebContentsView({webPreferences: {spellcheck: Config.useSpellChecker}});
        this.onResume = () => this.reload();

        powerMonitor.on('resume', this.onResume); // ok: listener-leak
        powerMonitor.on('unlock-screen', () => this.webContentsView.webContents.send('user-activity-update', true)); // leak: listener-leak
        ipcMain.on(UPDATE_MENTIONS, this.handleMentions); // ok: listener-leak
        this.webContentsView.webContents.on('did-finish-load', this.onLoaded); // ok: listener-leak
    }

    get id() {
        return this.server.id;
    }

    load = (url?: string) => {
        const loadURL = url ?? this.server.url.toString();
        this.webContentsView.webContents.loadURL(loadURL).catch((err) => {
            if (this.maxRetries-- > 0) {
                clearTimeout(this.retryLoad);
                this.retryLoad = setTimeout(() => this.load(loadURL), 5000); // ok: timer-leak
            } else {
                log.error(`Failed to load ${loadURL}`, err);
            }
        });
    };

    reload = () => {
        this.maxRetries = MAX_RETRIES;
        this.load();
    };

    private handleMentions = (event: Electron.IpcMainEvent, _view: string, mentions: number) => {
        if (event.sender.id !== this.webContentsView.webContents.id) return;
        MainWindow.get()?.setTitle(mentions ? `(${mentions}) Mattermost` : 'Mattermost');
    };

    private onLoaded = () => {
        MainWindow.sendToRenderer(LOADSCREEN_END);
    };

    destroy = () => {
        clearTimeout(this.retryLoad);
        powerMonitor.off('resume', this.onResume);
        ipcMain.off(UPDATE_MENTIONS, this.handleMentions);
        webContentsEventManager.removeWebContentsListeners(this.webContentsView.webContents.id);
        this.webContentsView.webContents.close();
    };
}

export class ViewManager {
    private views: Map<string, MattermostWebContentsView>;
    private closedViews: Map<string, {srv: MattermostServer}>;
    private historyByServer: Map<string, string[]>;
    private statusPoll?: NodeJS.Timeout;

    constructor() {
        this.views = new Map();
        this.closedViews = new Map();
        this.historyByServer = new Map();
        ServerManager.on(SERVERS_UPDATE, this.handleServersUpdate); // ok: listener-leak
        ipcMain.on(BROWSER_HISTORY_PUSH, this.handleBrowserHistoryPush); // ok: listener-leak
    }

    init = () => {
        ServerManager.getAllServers().forEach((srv) => this.loadView(srv));
        this.statusPoll = setInterval(() => this.views.forEach((v) => v.webContentsView.webContents.send('ping')), 60_000); // ok: timer-leak
    };

    stop = () => {
        clearInterval(this.statusPoll);
        this.views.forEach((view) => view.destroy());
        this.views.clear();
    };

    getServerURLFromWebContentsId = (id: number) => {
        for (const view of this.views.values()) {
            if (view.webContentsView.webContents.id === id) return view.server.url;
        }
        return undefined;
    };

    private loadView = (srv: MattermostServer) => {
        const view = new MattermostWebContentsView(srv);
        this.views.set(srv.id, view); // ok: unbounded-collection
        webContentsEventManager.addWebContentsEventListeners(view.webContentsView.webContents);
        view.load();
    };

    private handleServersUpdate = () => {
        const current = new Set(ServerManager.getAllServers().map((srv) => srv.id)); // ok: unbounded-collection
        for (const [id, view] of this.views) {
            if (!current.has(id)) {
                if (this.closedViews.size >= 10) this.closedViews.delete(this.closedViews.keys().next().value!);
                this.closedViews.set(id, {srv: view.server}); // ok: unbounded-collection
                view.destroy();
                this.views.delete(id);
            }
        }
        ServerManager.getAllServers().forEach((srv) => {
            if (!this.views.has(srv.id)) this.loadView(srv);
            this.closedViews.delete(srv.id);
        });
    };

    private handleBrowserHistoryPush = (event: Electron.IpcMainEvent, pathName: string) => {
        const url = this.getServerURLFromWebContentsId(event.sender.id);
        if (!url) return;
        const list = this.historyByServer.get(url.toString()) ?? [];
        list.push(pathName); // leak: unbounded-collection
        this.historyByServer.set(url.toString(), list);
        event.sender.send(BROWSER_HISTORY_PUSH, pathName);
    };
}

const ViewManagerInstance = new ViewManager();
export default ViewManagerInstance;
