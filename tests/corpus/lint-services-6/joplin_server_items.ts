// Sync server routes and services in the style of Joplin Server (packages/server: a Router
// per file with router.get('api/items/:id/content', async (path, ctx) => ...), models reached
// through ctx.joplin.models, BaseService subclasses with a maintenance loop, TaskService
// running cron tasks, an event emitter for item changes).
import { EventEmitter } from 'events';
import Router from '../../utils/Router';
import { RouteType } from '../../utils/types';
import { AppContext, Env } from '../../utils/types';
import { Models } from '../../models/factory';
import { Config } from '../../utils/types';
import Logger from '@joplin/utils/Logger';
import { DbConnection, connectDb, disconnectDb } from '../../db';
import * as cron from 'node-cron';
import { LRUCache } from 'lru-cache';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';

const logger = Logger.create('items');

// ---- services/BaseService.ts
export default class BaseService {
	private env_: Env;
	private models_: Models;
	private config_: Config;
	protected enabled_ = true;
	private destroyed_ = false;
	protected maintenanceInterval_ = 10000;
	private scheduledMaintenances_: boolean[] = [];
	private maintenanceInProgress_ = false;

	public constructor(env: Env, models: Models, config: Config) {
		this.env_ = env;
		this.models_ = models;
		this.config_ = config;
	}

	protected get models(): Models { return this.models_; }
	protected get config(): Config { return this.config_; }
	protected get env(): Env { return this.env_; }

	public async destroy() {
		this.destroyed_ = true;
	}

	protected async maintenance() {
		throw new Error('Not implemented');
	}

	public async runMaintenance() {
		this.scheduledMaintenances_.push(true); // ok: unbounded-collection
		if (this.maintenanceInProgress_) return;
		this.scheduledMaintenances_.pop();
		this.maintenanceInProgress_ = true;
		try {
			await this.maintenance();
		} catch (error) {
			logger.error('Could not run maintenance', error);
		}
		this.maintenanceInProgress_ = false;
		if (this.scheduledMaintenances_.length) {
			this.scheduledMaintenances_ = []; // ok: unbounded-collection
			await this.runMaintenance();
		}
	}

	public async runInBackground() {
		while (!this.destroyed_) {
			await new Promise(resolve => setTimeout(resolve, this.maintenanceInterval_)); // ok: timer-leak
			if (this.enabled_) void this.runMaintenance();
		}
	}
}

// ---- services/ItemChangeNotifier.ts: one emitter per process
export const itemEvents = new EventEmitter();
itemEvents.setMaxListeners(0);

export class ItemChangeNotifier extends BaseService {
	// long-poll waiters per user; removed when answered or timed out
	private waiters_ = new Map<string, Set<(changeId: string) => void>>();
	// last delta cursor per (user, client) pair, never cleaned
	private cursors_: Record<string, string> = {};
	private sharedCache_ = new LRUCache<string, string[]>({ max: 2000 }); // ok: unbounded-cache

	public constructor(env: Env, models: Models, config: Config) {
		super(env, models, config);
		itemEvents.on('change', this.onChange); // ok: listener-leak
	}

	public async destroy() {
		itemEvents.off('change', this.onChange);
		await super.destroy();
	}

	private onChange = (userId: string, changeId: string) => {
		const set = this.waiters_.get(userId);
		if (!set) return;
		for (const fn of set) fn(changeId);
	};

	public waitForChange(userId: string, timeoutMs: number): Promise<string | null> {
		return new Promise(resolve => {
			let set = this.waiters_.get(userId);
			if (!set) {
				set = new Set();
				this.waiters_.set(userId, set); // ok: unbounded-collection
			}
			const done = (changeId: string | null) => {
				clearTimeout(timer);
				set!.delete(done);
				if (!set!.size) this.waiters_.delete(userId);
				resolve(changeId);
			};
			const timer = setTimeout(() => done(null), timeoutMs); // ok: timer-leak
			set.add(done); // ok: unbounded-collection
		});
	}

	public rememberCursor(userId: string, clientId: string, cursor: string) {
		this.cursors_[`${userId}:${clientId}`] = cursor; // leak: unbounded-collection
	}

	public async sharedItemIds(shareId: string): Promise<string[]> {
		const hit = this.sharedCache_.get(shareId);
		if (hit) return hit;
		const ids = await this.models.shareUser().itemIdsByShare(shareId);
		this.sharedCache_.set(shareId, ids); // ok: unbounded-cache
		return ids;
	}

	protected async maintenance() {
		logger.info(`waiters: ${this.waiters_.size}`);
	}
}

// ---- routes/api/items.ts
const router = new Router(RouteType.Api);

// resolved item paths, memoised per path string for speed, no bound
const pathCache = new Map<string, string>();
// one S3 client per storage connection string, made on first use
const s3Clients = new Map<string, S3Client>();

function s3For(connectionString: string): S3Client {
	let client = s3Clients.get(connectionString);
	if (!client) {
		client = new S3Client(JSON.parse(connectionString)); // ok: resource-per-request
		s3Clients.set(connectionString, client); // ok: unbounded-cache
	}
	return client;
}

router.get('api/items/:id', async (path: any, ctx: AppContext) => {
	const itemModel = ctx.joplin.models.item();
	const cached = pathCache.get(path.id);
	const jopId = cached ?? await itemModel.pathToJopId(path.id);
	pathCache.set(path.id, jopId); // leak: unbounded-cache
	return itemModel.toApiOutput(await itemModel.loadByJopId(ctx.joplin.owner.id, jopId));
});

router.get('api/items/:id/content', async (path: any, ctx: AppContext) => {
	const item = await ctx.joplin.models.item().loadByName(ctx.joplin.owner.id, path.id);
	const s3 = new S3Client({ region: ctx.joplin.env === 'dev' ? 'us-east-1' : process.env.S3_REGION }); // leak: resource-per-request
	const out = await s3.send(new GetObjectCommand({ Bucket: 'joplin', Key: item.id }));
	return out.Body;
});

router.get('api/items/:id/content-legacy', async (path: any, ctx: AppContext) => {
	const client = s3For(process.env.STORAGE_CONNECTION_STRING!);
	const out = await client.send(new GetObjectCommand({ Bucket: 'joplin', Key: path.id }));
	return out.Body;
});

router.get('api/items/:id/delta', async (path: any, ctx: AppContext) => {
	const notifier = ctx.joplin.services.itemChangeNotifier as ItemChangeNotifier;
	const change = await notifier.waitForChange(ctx.joplin.owner.id, 30000);
	notifier.rememberCursor(ctx.joplin.owner.id, ctx.get('x-api-min-version') || 'web', change || '');
	const onChange = (userId: string) => { if (userId === ctx.joplin.owner.id) logger.debug('change seen'); };
	itemEvents.on('change', onChange); // leak: listener-leak
	return { cursor: change };
});

router.get('api/items/:id/events', async (path: any, ctx: AppContext) => {
	const onChange = (userId: string, changeId: string) => {
		if (userId === ctx.joplin.owner.id) ctx.res.write(`data: ${changeId}\n\n`);
	};
	itemEvents.on('change', onChange); // ok: listener-leak
	ctx.req.once('close', () => itemEvents.off('change', onChange)); // ok: listener-leak
	ctx.respond = false;
});

router.post('api/items/:id/report', async (path: any, ctx: AppContext) => {
	// an admin report opens its own connection to the reporting database, and closes it
	const db: DbConnection = await connectDb(ctx.joplin.config.reportDatabase); // ok: resource-per-request
	try {
		return await db('items').where('owner_id', ctx.joplin.owner.id).count();
	} finally {
		await disconnectDb(db);
	}
});

router.post('api/items/:id/watch', async (path: any, ctx: AppContext) => {
	// polls a shared folder for this client; there is no route that stops it
	const task = cron.schedule('*/1 * * * *', async () => { // leak: timer-leak
		await ctx.joplin.models.item().loadByName(ctx.joplin.owner.id, path.id);
	});
	return { scheduled: !!task };
});

export default router;
