// A JoplinWorkspace / JoplinSettings API object is made for each plugin each
// time it is loaded; plugins are disabled, uninstalled and reloaded while the
// app runs. eventManager is the app-wide emitter.
import eventManager, { EventName } from '../../../eventManager';

type Handler = (event: { keys?: string[] }) => void;

export default class Plugin {
	public readonly id: string;
	private onUnloadListeners_: (() => void)[] = [];

	public constructor(id: string) {
		this.id = id;
	}

	public addOnUnloadListener(callback: () => void) {
		this.onUnloadListeners_.push(callback);
	}

	public onUnload() {
		for (const callback of this.onUnloadListeners_) callback();
		this.onUnloadListeners_ = [];
	}
}

export class JoplinWorkspace {
	public constructor(private plugin: Plugin) {}

	public async onNoteSelectionChange(callback: Handler) {
		eventManager.appStateOn('selectedNoteIds', callback);
		this.plugin.addOnUnloadListener(() => {
			eventManager.appStateOff('selectedNoteIds', callback);
		});
		return {};
	}

	public async onNoteContentChange(callback: Handler) {
		eventManager.on(EventName.NoteContentChange, callback);
		this.plugin.addOnUnloadListener(() => {
			eventManager.off(EventName.NoteContentChange, callback);
		});
	}
}

export class JoplinSettings {
	public constructor(private plugin: Plugin) {}

	public async onChange(handler: Handler) {
		const prefix = `plugin-${this.plugin.id}.`;
		const listener = (event: { keys: string[] }) => {
			const keys = event.keys.filter(k => k.indexOf(prefix) === 0).map(k => k.substr(prefix.length));
			if (!keys.length) return;
			handler({ keys });
		};
		eventManager.on(EventName.SettingsChange, listener);
		this.plugin.addOnUnloadListener(() => {
			eventManager.off(EventName.SettingsChange, listener);
		});
	}
}
