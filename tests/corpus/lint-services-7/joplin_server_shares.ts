// Joplin Server style (packages/server: Koa app, utils/Router.ts routes keyed by method, an
// AppContext carrying ctx.joplin.models, models extending BaseModel, a module-level cache
// singleton in utils/cache.ts, rate limiters from rate-limiter-flexible, TaskService started in
// startServices.ts). Tabs, default-exported routers, models made per request by the factory.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { EventEmitter } from 'events';
import Router from '../utils/Router';
import { RouteType } from '../utils/types';
import { AppContext } from '../utils/types';
import { ErrorForbidden, ErrorNotFound, ErrorTooManyRequests } from '../utils/errors';
import { bodyFields } from '../utils/requestUtils';
import BaseModel from '../models/BaseModel';
import { Share, ShareType, Uuid } from '../services/database/types';
import Logger from '@joplin/utils/Logger';
import { Knex, knex } from 'knex';

const logger = Logger.create('routes/api/shares');

// ---- utils/cache.ts (module singleton, the whole process) -----------------------------------

interface CacheEntry {
	object: string;
	timestamp: number;
}

class Cache {
	private entries: Record<string, CacheEntry> = {};

	public async setObject(key: string, o: object): Promise<void> {
		if (!o) return;
		this.entries[key] = { object: JSON.stringify(o), timestamp: Date.now() }; // leak: unbounded-cache
	}

	public async object(key: string): Promise<object | null> {
		const e = this.entries[key];
		return e ? JSON.parse(e.object) : null;
	}

	public async delete(key: string | string[]): Promise<void> {
		for (const k of typeof key === 'string' ? [key] : key) delete this.entries[k];
	}
}

export const cache = new Cache();

// ---- utils/request/limiterShareBruteForce.ts ---------------------------------------------------

const limiterByIp = new RateLimiterMemory({ points: 10, duration: 30 }); // ok: unbounded-cache

export async function limitShareAccess(ip: string) {
	try {
		await limiterByIp.consume(ip);
	} catch (error) {
		const res = error as RateLimiterRes;
		throw new ErrorTooManyRequests(`Too many share requests. Try again in ${Math.ceil(res.msBeforeNext / 1000)}s.`, res.msBeforeNext);
	}
}

// ---- models/ShareModel.ts ---------------------------------------------------------------------

export const shareEvents = new EventEmitter();
const shareViewCounts: Map<Uuid, number> = new Map();

export default class ShareModel extends BaseModel<Share> {
	private recentlyChecked: Uuid[] = []; // one ShareModel per request (models() factory)

	protected get tableName(): string {
		return 'shares';
	}

	public async checkIfAllowed(userId: Uuid, shareId: Uuid): Promise<Share> {
		this.recentlyChecked.push(shareId); // ok: unbounded-collection
		const cached = await cache.object(`share::${shareId}`) as Share;
		const share = cached || await this.load(shareId);
		if (!share) throw new ErrorNotFound(`No such share: ${shareId}`);
		if (!cached) await cache.setObject(`share::${shareId}`, share);
		if (share.owner_id !== userId && share.type !== ShareType.Link) throw new ErrorForbidden();
		return share;
	}

	public async recordView(share: Share): Promise<void> {
		shareViewCounts.set(share.id, (shareViewCounts.get(share.id) || 0) + 1); // leak: unbounded-collection
		shareEvents.emit('viewed', share.id);
	}

	public async delete(id: Uuid): Promise<void> {
		await super.delete(id);
		await cache.delete(`share::${id}`);
		shareViewCounts.delete(id);
	}
}

// ---- services/ShareStatsService.ts (started once from startServices) ------------------------

export class ShareStatsService {
	private interval: ReturnType<typeof setInterval> | null = null;
	private buffer: Uuid[] = [];

	public constructor(private db: Knex) {}

	public async start() {
		shareEvents.on('viewed', this.onViewed); // ok: listener-leak
		this.interval = setInterval(() => void this.flush(), 10 * 1000); // ok: timer-leak
	}

	public async destroy() {
		shareEvents.off('viewed', this.onViewed);
		if (this.interval) clearInterval(this.interval);
		this.interval = null;
		await this.flush();
	}

	private onViewed = (shareId: Uuid) => {
		if (this.buffer.length < 5000) this.buffer.push(shareId); // ok: unbounded-collection
	};

	private async flush() {
		const ids = this.buffer.splice(0);
		if (!ids.length) return;
		await this.db('share_views').insert(ids.map(id => ({ share_id: id, created_time: Date.now() })));
	}
}

// ---- routes/api/shares.ts -------------------------------------------------------------------

const router = new Router(RouteType.Api);
router.public = true;

router.get('api/shares/:id', async (path: any, ctx: AppContext) => {
	await limitShareAccess(ctx.ip);
	const shareModel = ctx.joplin.models.share();
	const share = await shareModel.checkIfAllowed(ctx.joplin.owner?.id, path.id);
	await shareModel.recordView(share);
	return share;
});

router.post('api/shares', async (_path: any, ctx: AppContext) => {
	const fields = await bodyFields<any>(ctx.req);
	const share = await ctx.joplin.models.share().save({ ...fields, owner_id: ctx.joplin.owner.id });
	shareEvents.on('viewed', (id: Uuid) => { // leak: listener-leak
		if (id === share.id) logger.info(`Share ${share.id} of ${ctx.joplin.owner.email} was viewed`);
	});
	return share;
});

router.get('api/shares/:id/wait', async (path: any, ctx: AppContext) => {
	// long poll: resolve on the next view or after 25s; the listener goes on both paths
	const viewed = await new Promise<boolean>(resolve => {
		const onView = (id: Uuid) => {
			if (id !== path.id) return;
			clearTimeout(timer);
			shareEvents.off('viewed', onView);
			resolve(true);
		};
		const timer = setTimeout(() => { // ok: timer-leak
			shareEvents.off('viewed', onView);
			resolve(false);
		}, 25 * 1000);
		shareEvents.on('viewed', onView); // ok: listener-leak
		ctx.req.once('close', () => { // ok: listener-leak
			clearTimeout(timer);
			shareEvents.off('viewed', onView);
			resolve(false);
		});
	});
	return { viewed };
});

router.post('api/shares/:id/export', async (path: any, ctx: AppContext) => {
	const share = await ctx.joplin.models.share().checkIfAllowed(ctx.joplin.owner.id, path.id);
	const exportDb = knex({ client: 'pg', connection: ctx.joplin.env.exportDatabaseUrl }); // leak: resource-per-request
	const rows = await exportDb('items').where({ share_id: share.id }).select('id', 'name');
	return { count: rows.length };
});

router.post('api/shares/:id/export-safe', async (path: any, ctx: AppContext) => {
	const share = await ctx.joplin.models.share().checkIfAllowed(ctx.joplin.owner.id, path.id);
	const exportDb = knex({ client: 'pg', connection: ctx.joplin.env.exportDatabaseUrl }); // ok: resource-per-request
	try {
		const rows = await exportDb('items').where({ share_id: share.id }).select('id');
		return { count: rows.length };
	} finally {
		await exportDb.destroy();
	}
});

router.del('api/shares/:id', async (path: any, ctx: AppContext) => {
	await ctx.joplin.models.share().checkIfAllowed(ctx.joplin.owner.id, path.id);
	await ctx.joplin.models.share().delete(path.id);
});

export const sharesRouter = router;
