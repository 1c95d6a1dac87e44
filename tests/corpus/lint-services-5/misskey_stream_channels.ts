/*
 * SPDX-FileCopyrightText: syuilo and misskey-project (shape only)
 * SPDX-License-Identifier: AGPL-3.0-only
 *
 * Streaming channels after Misskey's packages/backend/src/server/api/stream: channel.ts (the Channel
 * base with init/onMessage/dispose), Connection.ts, channels/server-stats.ts, queue-stats.ts,
 * hashtag.ts, antenna.ts, reversi-game.ts. One Channel object per subscription of one websocket
 * connection; the *ChannelService classes are NestJS singletons; `subscriber` is the process-wide
 * emitter fed by the Redis subscription (StreamingApiServerService).
 */

import Xev from 'xev';
import { Inject, Injectable } from '@nestjs/common';
import * as Redis from 'ioredis';
import { bindThis } from '@/decorators.js';
import { DI } from '@/di-symbols.js';
import type { MiNote } from '@/models/Note.js';
import type { Packed } from '@/misc/json-schema.js';
import type { JsonObject, JsonValue } from '@/misc/json-value.js';
import { NoteEntityService } from '@/core/entities/NoteEntityService.js';
import { ReversiService } from '@/core/ReversiService.js';
import type Connection from '../Connection.js';
import type { StreamEventEmitter, GlobalEvents } from '@/core/GlobalEventService.js';

const ev = new Xev();

export default abstract class Channel {
	protected connection: Connection;
	public id: string;
	public abstract readonly chName: string;
	public static readonly shouldShare: boolean;
	public static readonly requireCredential: boolean;

	protected get user() { return this.connection.user; }
	protected get subscriber(): StreamEventEmitter { return this.connection.subscriber; }

	constructor(id: string, connection: Connection) {
		this.id = id;
		this.connection = connection;
	}

	@bindThis
	public send(typeOrPayload: any, payload?: any) {
		const type = payload === undefined ? typeOrPayload.type : typeOrPayload;
		const body = payload === undefined ? typeOrPayload.body : payload;
		this.connection.sendMessageToWs('channel', { id: this.id, type, body });
	}

	public abstract init(params: JsonObject): void;
	public dispose?(): void;
	public onMessage?(type: string, body: JsonValue): void;
}

class ServerStatsChannel extends Channel {
	public readonly chName = 'serverStats';
	public static readonly shouldShare = true;
	public static readonly requireCredential = false as const;

	@bindThis
	public async init(params: JsonObject) {
		ev.addListener('serverStats', this.onStats); // ok: listener-leak
	}

	@bindThis
	private onStats(stats: JsonObject) {
		this.send('stats', stats);
	}

	@bindThis
	public onMessage(type: string, body: any) {
		if (type === 'requestLog') {
			ev.once(`serverStatsLog:${body.id}`, statsLog => { // ok: listener-leak
				this.send('statsLog', statsLog);
			});
			ev.emit('requestServerStatsLog', { id: body.id, length: body.length });
		}
	}

	@bindThis
	public dispose() {
		ev.removeListener('serverStats', this.onStats);
	}
}

class HashtagChannel extends Channel {
	public readonly chName = 'hashtag';
	public static readonly shouldShare = false;
	public static readonly requireCredential = false as const;
	private q: string[][];

	constructor(private noteEntityService: NoteEntityService, id: string, connection: Connection) {
		super(id, connection);
	}

	@bindThis
	public async init(params: JsonObject) {
		if (!Array.isArray(params.q)) return;
		this.q = params.q as string[][];
		this.subscriber.on('notesStream', this.onNote); // ok: listener-leak
		this.subscriber.on('noteUpdated', (data: { id: string; body: any }) => { // leak: listener-leak
			this.send('noteUpdated', { id: data.id, ...data.body });
		});
	}

	@bindThis
	private async onNote(note: Packed<'Note'>) {
		const noteTags = note.tags ? note.tags.map((t: string) => t.toLowerCase()) : [];
		const matched = this.q.some(tags => tags.every(tag => noteTags.includes(tag.toLowerCase())));
		if (!matched) return;
		if (this.connection.isNoteMutedOrBlocked?.(note)) return;
		this.connection.cacheNote(note);
		this.send('note', note);
	}

	@bindThis
	public dispose() {
		this.subscriber.off('notesStream', this.onNote);
	}
}

class AntennaChannel extends Channel {
	public readonly chName = 'antenna';
	public static readonly shouldShare = false;
	public static readonly requireCredential = true as const;
	private antennaId: string;

	@bindThis
	public async init(params: JsonObject) {
		if (typeof params.antennaId !== 'string') return;
		this.antennaId = params.antennaId;
		this.subscriber.on(`antennaStream:${this.antennaId}`, this.onEvent); // ok: listener-leak
	}

	@bindThis
	private async onEvent(data: GlobalEvents['antenna']['payload']) {
		if (data.type === 'note') this.send('note', data.body);
		else this.send(data.type, data.body);
	}

	@bindThis
	public dispose() {
		this.subscriber.off(`antennaStream:${this.antennaId}`, this.onEvent);
	}
}

class ReversiGameChannel extends Channel {
	public readonly chName = 'reversiGame';
	public static readonly shouldShare = false;
	public static readonly requireCredential = false as const;
	private gameId: string | null = null;
	private turnTimer: NodeJS.Timeout | null = null;

	constructor(private reversiService: ReversiService, id: string, connection: Connection) {
		super(id, connection);
	}

	@bindThis
	public async init(params: JsonObject) {
		if (typeof params.gameId !== 'string') return;
		this.gameId = params.gameId;
		this.subscriber.on(`reversiGameStream:${this.gameId}`, this.send); // ok: listener-leak
		this.turnTimer = setInterval(() => { // leak: timer-leak
			if (this.gameId) this.reversiService.checkTimeout(this.gameId);
		}, 1000);
	}

	@bindThis
	public onMessage(type: string, body: any) {
		if (type === 'putStone' && this.user && this.gameId) {
			this.reversiService.putStoneToGame(this.gameId, this.user, body.pos, body.id);
		}
	}

	@bindThis
	public dispose() {
		this.subscriber.off(`reversiGameStream:${this.gameId}`, this.send);
	}
}

@Injectable()
export class NoteStreamingHidingService {
	private readonly hiddenNoteIds = new Set<string>();
	private readonly renoteCache = new Map<string, { at: number; visible: boolean }>();

	constructor(
		@Inject(DI.redisForSub)
		private redisForSub: Redis.Redis,
	) {
		this.redisForSub.on('message', this.onMessage); // ok: listener-leak
	}

	@bindThis
	private onMessage(_: string, raw: string) {
		const obj = JSON.parse(raw);
		if (obj.channel === 'internal' && obj.message.type === 'noteDeleted') {
			this.hiddenNoteIds.delete(obj.message.body.id);
			this.renoteCache.delete(obj.message.body.id);
		}
	}

	@bindThis
	public shouldHide(note: MiNote, meId: string | null): boolean {
		if (note.visibility === 'specified' && note.userId !== meId) {
			this.hiddenNoteIds.add(note.id); // leak: unbounded-collection
			return true;
		}
		const cached = this.renoteCache.get(note.id);
		if (cached && Date.now() - cached.at < 30_000) return !cached.visible;
		const visible = note.visibility !== 'followers' || note.userId === meId;
		if (this.renoteCache.size > 5000) this.renoteCache.clear();
		this.renoteCache.set(note.id, { at: Date.now(), visible }); // ok: unbounded-cache
		return !visible;
	}
}

@Injectable()
export class HashtagChannelService {
	public readonly shouldShare = HashtagChannel.shouldShare;
	public readonly requireCredential = HashtagChannel.requireCredential;

	constructor(private noteEntityService: NoteEntityService) {}

	@bindThis
	public create(id: string, connection: Connection): HashtagChannel {
		return new HashtagChannel(this.noteEntityService, id, connection);
	}
}

@Injectable()
export class ReversiGameChannelService {
	public readonly shouldShare = ReversiGameChannel.shouldShare;
	public readonly requireCredential = ReversiGameChannel.requireCredential;

	constructor(private reversiService: ReversiService) {}

	@bindThis
	public create(id: string, connection: Connection): ReversiGameChannel {
		return new ReversiGameChannel(this.reversiService, id, connection);
	}
}

export { ServerStatsChannel, AntennaChannel };
