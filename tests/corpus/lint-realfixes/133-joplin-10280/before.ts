// A JoplinWorkspace / JoplinSettings API object is made for each plugin each
// time it is loaded; plugins are disabled, uninstalled and reloaded while the
// app runs. eventManager is the app-wide emitter.
import eventManager, { EventName } from '../../../eventManager';

type Handler = (event: { keys?: string[] }) => void;

export default class Plugin {
	public readonly id: string;

	public constructor(id: string) {
		this.id = id;
	}
}

export class JoplinWorkspace {
	// TODO: unregister events when plugin is closed or disabled
	public constructor(private plugin: Plugin) {}

	public async onNoteSelectionChange(callback: Handler) {
		eventManager.appStateOn('selectedNoteIds', callback); // leak: listener-leak
		return {};
	}

	public async onNoteContentChange(callback: Handler) {
		eventManager.on(EventName.NoteContentChange, callback); // leak: listener-leak
	}
}

export class JoplinSettings {
	public constructor(private plugin: Plugin) {}

	public async onChange(handler: Handler) {
		const prefix = `plugin-${this.plugin.id}.`;
		eventManager.on(EventName.SettingsChange, (event: { keys: string[] }) => { // leak: listener-leak
			const keys = event.keys.filter(k => k.indexOf(prefix) === 0).map(k => k.substr(prefix.length));
			if (!keys.length) return;
			handler({ keys });
		});
	}
}
