// Obsidian community plugin style (after obsidian-sample-plugin and sync plugins such as
// remotely-save / obsidian-git: `export default class X extends Plugin`, onload() run on every
// enable and onunload() on every disable in the same Electron window, loadData/saveData
// settings, a PluginSettingTab, addCommand, the lifecycle helpers registerEvent / registerInterval
// / registerDomEvent / register that undo themselves on unload, monkey-around patches).
// TypeScript with tabs.

import { App, Notice, Plugin, PluginSettingTab, Setting, TAbstractFile, TFile, requestUrl } from "obsidian";
import { around } from "monkey-around";

interface SyncSettings {
	endpoint: string;
	token: string;
	intervalMinutes: number;
	debug: boolean;
}

const DEFAULT_SETTINGS: SyncSettings = { endpoint: "", token: "", intervalMinutes: 10, debug: false };

declare global {
	interface Window {
		__syncDebug?: Array<{ path: string; at: number; size: number }>;
	}
}

async function sha256(data: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data));
	return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
}

export default class VaultSyncPlugin extends Plugin {
	settings: SyncSettings = DEFAULT_SETTINGS;
	private syncTimer?: number;
	private debounce?: number;
	private socket?: WebSocket;
	private readonly pendingPaths = new Set<string>();
	private readonly etags = new Map<string, string>();
	private readonly uploadedHashes = new Map<string, string>();
	private readonly activity: Array<{ path: string; action: string; at: number }> = [];

	private readonly onFileOpen = (file: TFile | null) => {
		if (file) this.activity.push({ path: file.path, action: "open", at: Date.now() }); // leak: unbounded-collection
	};

	async onload() {
		await this.loadSettings();
		window.__syncDebug ??= []; // ok: global-growth

		this.registerEvent(this.app.vault.on("modify", (file) => this.queue(file))); // ok: listener-leak
		this.registerEvent(this.app.vault.on("delete", (file) => { // ok: listener-leak
			this.etags.delete(file.path);
			this.pendingPaths.delete(file.path);
		}));
		this.registerEvent(this.app.vault.on("rename", (file, oldPath) => { // ok: listener-leak
			this.etags.delete(oldPath);
			this.queue(file);
		}));
		this.app.workspace.on("file-open", this.onFileOpen); // leak: listener-leak

		this.registerDomEvent(document, "visibilitychange", () => { // ok: listener-leak
			if (document.visibilityState === "hidden") void this.flush();
		});

		this.registerInterval(window.setInterval(() => void this.pullRemote(), 60_000)); // ok: timer-leak

		this.register(around(this.app.vault.adapter, { // ok: closure-capture
			write(original) {
				return async function (this: unknown, path: string, data: string, ...rest: unknown[]) {
					return original.call(this, path, data, ...rest);
				};
			},
		}));

		this.socket = new WebSocket(`${this.settings.endpoint.replace(/^http/, "ws")}/events`); // ok: resource-per-request
		this.socket.addEventListener("message", (ev) => void this.onRemoteEvent(String(ev.data))); // ok: listener-leak

		this.addCommand({
			id: "sync-now",
			name: "Sync now",
			callback: () => void this.flush(), // ok: closure-capture
		});

		this.addCommand({
			id: "trace-writes",
			name: "Trace vault writes (debug)",
			callback: () => {
				const adapter = this.app.vault.adapter;
				const original = adapter.write.bind(adapter);
				const startedAt = Date.now();
				adapter.write = async (path: string, data: string, options?: unknown) => { // leak: closure-capture
					console.debug(`[vault-sync] write ${path} (${data.length} chars, tracing since ${startedAt})`);
					return original(path, data, options as never);
				};
				new Notice("Tracing vault writes");
			},
		});

		this.addSettingTab(new VaultSyncSettingTab(this.app, this));
		this.scheduleSync();
	}

	onunload() {
		window.clearInterval(this.syncTimer);
		window.clearTimeout(this.debounce);
		this.socket?.close();
	}

	scheduleSync() {
		this.syncTimer = window.setInterval(() => void this.flush(), this.settings.intervalMinutes * 60_000); // leak: timer-leak
	}

	private queue(file: TAbstractFile) {
		if (!(file instanceof TFile)) return;
		this.pendingPaths.add(file.path); // ok: unbounded-collection
		window.clearTimeout(this.debounce);
		this.debounce = window.setTimeout(() => void this.flush(), 2_000); // ok: timer-leak
	}

	private async flush() {
		for (const path of [...this.pendingPaths]) {
			try {
				const file = this.app.vault.getAbstractFileByPath(path);
				if (!(file instanceof TFile)) continue;
				const content = await this.app.vault.cachedRead(file);
				const hash = await sha256(content);
				if (this.uploadedHashes.has(hash)) continue;
				const res = await requestUrl({
					url: `${this.settings.endpoint}/files/${encodeURIComponent(path)}`,
					method: "PUT",
					headers: { Authorization: `Bearer ${this.settings.token}`, "If-Match": this.etags.get(path) ?? "*" },
					body: content,
				});
				this.uploadedHashes.set(hash, res.json.id); // leak: unbounded-cache
				this.etags.set(path, res.headers["etag"]); // ok: unbounded-cache
				if (this.settings.debug) {
					window.__syncDebug!.push({ path, at: Date.now(), size: content.length }); // leak: global-growth
				}
			} finally {
				this.pendingPaths.delete(path);
			}
		}
	}

	private async pullRemote() {
		const res = await requestUrl({ url: `${this.settings.endpoint}/changes`, headers: { Authorization: `Bearer ${this.settings.token}` } });
		const changed: string[] = [];
		for (const change of res.json.changes as Array<{ path: string; etag: string }>) {
			if (this.etags.get(change.path) !== change.etag) changed.push(change.path); // ok: unbounded-collection
		}
		if (changed.length) new Notice(`${changed.length} remote changes`);
	}

	private async onRemoteEvent(raw: string) {
		const event = JSON.parse(raw) as { type: string; path: string };
		if (event.type === "deleted") this.etags.delete(event.path);
	}

	async loadSettings() {
		this.settings = Object.assign({}, DEFAULT_SETTINGS, await this.loadData());
	}

	async saveSettings() {
		await this.saveData(this.settings);
	}
}

class VaultSyncSettingTab extends PluginSettingTab {
	constructor(app: App, private readonly plugin: VaultSyncPlugin) {
		super(app, plugin);
	}

	display(): void {
		const { containerEl } = this;
		containerEl.empty();
		new Setting(containerEl).setName("Endpoint").addText((text) =>
			text.setValue(this.plugin.settings.endpoint).onChange(async (value) => {
				this.plugin.settings.endpoint = value;
				await this.plugin.saveSettings();
			}));
		new Setting(containerEl).setName("Sync every (minutes)").addSlider((slider) =>
			slider.setLimits(1, 60, 1).setValue(this.plugin.settings.intervalMinutes).onChange(async (value) => {
				this.plugin.settings.intervalMinutes = value;
				await this.plugin.saveSettings();
				this.plugin.scheduleSync();
			}));
		new Setting(containerEl).setName("Debug log").addToggle((toggle) =>
			toggle.setValue(this.plugin.settings.debug).onChange(async (value) => {
				this.plugin.settings.debug = value;
				await this.plugin.saveSettings();
			}));
	}
}
