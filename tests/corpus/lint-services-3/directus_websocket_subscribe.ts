import type { Accountability, Query, SchemaOverview } from '@directus/types';
import { useEnv } from '@directus/env';
import { Redis } from 'ioredis';
import type { Server as httpServer } from 'http';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import emitter from '../../emitter.js';
import { useLogger } from '../../logger/index.js';
import { getMessenger, type Messenger } from '../../messenger.js';
import { ItemsService } from '../../services/items.js';
import { getSchema } from '../../utils/get-schema.js';
import { sanitizeQuery } from '../../utils/sanitize-query.js';
import { getCache } from '../../cache.js';
import { fmtMessage } from '../utils/message.js';
import { handleWebSocketError, WebSocketError } from '../errors.js';

const env = useEnv();
const logger = useLogger();

type WebSocketClient = WebSocket & { uid: string; accountability: Accountability | null; auth_timer: NodeJS.Timeout | null };

type Subscription = {
	uid?: string;
	client: WebSocketClient;
	collection: string;
	query?: Query;
	item?: string | number;
};

const WebSocketSubscribeMessage = z.object({
	type: z.enum(['subscribe', 'unsubscribe']),
	collection: z.string().optional(),
	uid: z.string().optional(),
	query: z.record(z.any()).optional(),
	live: z.boolean().optional(),
});

const permittedFieldsCache = new Map<string, string[]>();

async function getPermittedFields(accountability: Accountability | null, collection: string, query: Query, schema: SchemaOverview) {
	const key = `${accountability?.role ?? 'public'}:${collection}:${JSON.stringify(query.fields ?? ['*'])}`;
	let fields = permittedFieldsCache.get(key);
	if (!fields) {
		fields = Object.keys(schema.collections[collection]?.fields ?? {});
		permittedFieldsCache.set(key, fields); // leak: unbounded-cache
	}
	return fields;
}

export class SubscribeHandler {
	subscriptions: Record<string, Set<Subscription>> = {};
	lastPayloads: Record<string, unknown> = {};
	protected messenger: Messenger;

	constructor() {
		this.messenger = getMessenger(); // ok: resource-per-request
		emitter.onSocket('websocket.message', ({ client, message }: { client: WebSocketClient; message: unknown }) => { // ok: listener-leak
			try {
				void this.onMessage(client, WebSocketSubscribeMessage.parse(message));
			} catch (error) {
				handleWebSocketError(client, error, 'subscribe');
			}
		});
		emitter.onSocket('websocket.close', ({ client }: { client: WebSocketClient }) => this.unsubscribe(client));
		this.messenger.subscribe('websocket.event', (message: Record<string, any>) => void this.dispatch(message['collection'], message)); // ok: listener-leak
	}

	subscribe(subscription: Subscription) {
		const { collection } = subscription;
		if (!this.subscriptions[collection]) this.subscriptions[collection] = new Set();
		this.subscriptions[collection]!.add(subscription); // ok: unbounded-collection
	}

	unsubscribe(client: WebSocketClient, uid?: string) {
		for (const key of Object.keys(this.subscriptions)) {
			for (const subscription of Array.from(this.subscriptions[key] ?? [])) {
				if (subscription.client === client && (!uid || subscription.uid === uid)) {
					this.subscriptions[key]!.delete(subscription);
				}
			}
		}
	}

	async dispatch(collection: string, data: Record<string, any>) {
		for (const subscription of this.subscriptions[collection] ?? new Set<Subscription>()) {
			const schema = await getSchema();
			const service = new ItemsService(subscription.collection, { schema, accountability: subscription.client.accountability });
			const payload = { event: data['action'], data: await service.readByQuery(subscription.query ?? {}) };
			if (subscription.uid) this.lastPayloads[subscription.uid] = payload; // leak: unbounded-collection
			subscription.client.send(fmtMessage('subscription', payload, subscription.uid));
		}
	}

	async onMessage(client: WebSocketClient, message: z.infer<typeof WebSocketSubscribeMessage>) {
		if (message.type === 'unsubscribe') {
			this.unsubscribe(client, message.uid);
			return;
		}
		const collection = message.collection!;
		const schema = await getSchema();
		if (!client.accountability?.admin && !schema.collections[collection]) {
			throw new WebSocketError('subscribe', 'INVALID_COLLECTION', 'The provided collection does not exists or is not accessible.', message.uid);
		}
		const subscription: Subscription = { client, collection, uid: message.uid };
		if (message.query) subscription.query = sanitizeQuery(message.query, client.accountability);
		subscription.query = { ...subscription.query, fields: await getPermittedFields(client.accountability, collection, subscription.query ?? {}, schema) };

		if (message.live) {
			const liveChannel = new Redis(env['REDIS'] as string); // leak: resource-per-request
			await liveChannel.subscribe(`directus:live:${collection}`);
			liveChannel.on('message', (_channel, raw) => client.send(fmtMessage('subscription', JSON.parse(raw), message.uid)));
		}

		emitter.onAction(`${collection}.items.update`, async ({ keys }: { keys: (string | number)[] }) => { // leak: listener-leak
			client.send(fmtMessage('subscription', { event: 'update', keys }, message.uid));
		});

		this.subscribe(subscription);
		const { cache } = getCache();
		const cached = await cache?.get(`ws:init:${collection}`);
		client.send(fmtMessage('subscription', { event: 'init', data: cached ?? [] }, message.uid));
	}
}

export class WebSocketController {
	server: WebSocketServer;
	clients: Set<WebSocketClient> = new Set();
	heartbeat: NodeJS.Timeout | null = null;

	constructor(httpServer: httpServer) {
		this.server = new WebSocketServer({ noServer: true, maxPayload: Number(env['WEBSOCKETS_MAX_PAYLOAD'] ?? 1048576) }); // ok: resource-per-request
		httpServer.on('upgrade', (request, socket, head) => { // ok: listener-leak
			if (request.url !== '/websocket') return;
			this.server.handleUpgrade(request, socket, head, (ws) => this.server.emit('connection', ws, request));
		});
		this.server.on('connection', (ws: WebSocketClient) => { // ok: listener-leak
			this.clients.add(ws); // ok: unbounded-collection
			ws.auth_timer = setTimeout(() => { // ok: timer-leak
				if (!ws.accountability) ws.close();
			}, Number(env['WEBSOCKETS_AUTH_TIMEOUT'] ?? 600) * 1000);
			ws.on('message', (data) => emitter.emitAction('websocket.message', { client: ws, message: JSON.parse(data.toString()) }));
			ws.on('close', () => { // ok: listener-leak
				if (ws.auth_timer) clearTimeout(ws.auth_timer);
				this.clients.delete(ws);
				emitter.emitAction('websocket.close', { client: ws });
			});
		});
		this.heartbeat = setInterval(() => { // ok: timer-leak
			for (const client of this.clients) client.ping();
		}, Number(env['WEBSOCKETS_HEARTBEAT_PERIOD'] ?? 30) * 1000);
		logger.info('WebSocket server started');
	}

	terminate() {
		if (this.heartbeat) clearInterval(this.heartbeat);
		this.clients.forEach((client) => client.close());
		this.server.close();
	}
}
