// Table services in the style of Teable's NestJS backend (apps/nestjs-backend: @Injectable
// services with ClsService, an EventEmitterService over @nestjs/event-emitter, ShareDB
// middleware in ShareDbService, @OnEvent listeners, attachments via a storage adapter,
// @Cron tasks). TypeScript with decorators; providers are singletons.
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { Cron, CronExpression, SchedulerRegistry } from '@nestjs/schedule';
import { ClsService } from 'nestjs-cls';
import { PrismaService } from '@teable/db-main-prisma';
import ShareDBClass from 'sharedb';
import { Knex, knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

type RecordEvent = { tableId: string; recordIds: string[]; userId: string; payload: Record<string, unknown> };

@Injectable()
export class ShareDbService extends ShareDBClass implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ShareDbService.name);
  // ops per collection kept for the undo service; trimmed in the cron task below
  readonly recentOps = new Map<string, unknown[]>();
  // post-commit hooks registered per table by other services
  private readonly afterCommit = new Map<string, (op: unknown) => void>();

  constructor(
    private readonly eventEmitter: EventEmitter2,
    private readonly cls: ClsService,
  ) {
    super({ presence: true, doNotForwardSendPresenceErrorsToClient: true });
  }

  onModuleInit() {
    this.use('submit', (context: any, next: any) => { // ok: listener-leak
      const collection = context.collection as string;
      const ops = this.recentOps.get(collection) ?? [];
      ops.push(context.op); // ok: unbounded-collection
      this.recentOps.set(collection, ops.slice(-200)); // ok: unbounded-collection
      next();
    });
    this.on('submitRequestEnd', (_err: unknown, request: any) => { // ok: listener-leak
      this.afterCommit.get(request.collection)?.(request.op);
    });
  }

  onModuleDestroy() {
    this.removeAllListeners();
    this.close();
  }

  // every call chains onto the hook already registered for that table
  addAfterCommit(tableId: string, hook: (op: unknown) => void, context: RecordEvent) {
    const prev = this.afterCommit.get(tableId);
    this.afterCommit.set(tableId, (op) => { prev?.(op); hook(op); this.logger.verbose(context.payload); }); // leak: closure-capture
  }

  // replaces the hook; the old one is dropped
  setAfterCommit(tableId: string, hook: (op: unknown) => void) {
    this.afterCommit.set(tableId, (op) => hook(op)); // ok: closure-capture
  }
}

@Injectable()
export class RecordOpenApiService {
  private readonly logger = new Logger(RecordOpenApiService.name);
  private readonly viewRowCountCache = new LRUCache<string, number>({ max: 5000, ttl: 30_000 }); // ok: unbounded-cache
  // computed field dependency graphs per table, cached with no bound and no invalidation
  private readonly graphCache: Record<string, { fieldIds: string[]; edges: [string, string][] }> = {};
  private readonly exporting = new Set<string>();
  private readonly undoStacks = new Map<string, RecordEvent[]>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly shareDb: ShareDbService,
    private readonly eventEmitter: EventEmitter2,
    private readonly cls: ClsService,
    private readonly schedulerRegistry: SchedulerRegistry,
  ) {}

  async getRowCount(tableId: string, viewId: string): Promise<number> {
    const key = `${tableId}:${viewId}`;
    const hit = this.viewRowCountCache.get(key);
    if (hit !== undefined) return hit;
    const count = await this.prisma.txClient().record.count({ where: { tableId } });
    this.viewRowCountCache.set(key, count); // ok: unbounded-cache
    return count;
  }

  async getGraph(tableId: string) {
    if (!this.graphCache[tableId]) {
      const fields = await this.prisma.field.findMany({ where: { tableId }, select: { id: true, lookupOptions: true } });
      this.graphCache[tableId] = { fieldIds: fields.map((f: any) => f.id), edges: [] }; // leak: unbounded-cache
    }
    return this.graphCache[tableId];
  }

  async updateRecords(event: RecordEvent) {
    const stack = this.undoStacks.get(event.userId) ?? [];
    stack.push(event); // leak: unbounded-collection
    this.undoStacks.set(event.userId, stack);
    const onCommit = (op: unknown) => this.eventEmitter.emit('record.committed', { op, tableId: event.tableId });
    this.shareDb.addAfterCommit(event.tableId, onCommit, event);
    this.eventEmitter.emit('record.updated', event);
  }

  async exportCsv(tableId: string) {
    if (this.exporting.has(tableId)) throw new Error('export in progress');
    this.exporting.add(tableId); // ok: unbounded-collection
    // a knex instance (with its own pool) per export, destroyed at the end
    const db: Knex = knex({ client: 'pg', connection: process.env.PRISMA_DATABASE_URL }); // ok: resource-per-request
    try {
      return await db(tableId).select('*').limit(100_000);
    } finally {
      this.exporting.delete(tableId);
      await db.destroy();
    }
  }

  async importCsv(tableId: string, rows: Record<string, unknown>[]) {
    // the import queue connection is opened per import and left open
    const queue = new Queue('import', { connection: new Redis(process.env.BACKEND_CACHE_REDIS_URI!) }); // leak: resource-per-request
    await queue.add('rows', { tableId, rows });
  }

  async watchImport(tableId: string, jobId: string) {
    const poll = setInterval(async () => { // leak: timer-leak
      const rec = await this.prisma.attachments.findFirst({ where: { token: jobId } });
      if (rec) this.eventEmitter.emit('import.done', { tableId, jobId });
    }, 2000);
    this.schedulerRegistry.addInterval(`import-${jobId}`, poll); // ok: unbounded-collection
  }

  async watchImportBounded(tableId: string, jobId: string) {
    const name = `import-b-${jobId}`;
    const poll = setInterval(async () => { // ok: timer-leak
      const rec = await this.prisma.attachments.findFirst({ where: { token: jobId } });
      if (!rec) return;
      this.schedulerRegistry.deleteInterval(name);
      this.eventEmitter.emit('import.done', { tableId, jobId });
    }, 2000);
    this.schedulerRegistry.addInterval(name, poll); // ok: unbounded-collection
  }

  @Cron(CronExpression.EVERY_10_MINUTES)
  trimOps() {
    for (const [k, ops] of this.shareDb.recentOps) if (!ops.length) this.shareDb.recentOps.delete(k);
  }
}

@Injectable()
export class TableListener {
  private readonly logger = new Logger(TableListener.name);
  private readonly workers = new Map<string, Worker>();

  constructor(private readonly eventEmitter: EventEmitter2, private readonly cls: ClsService) {}

  @OnEvent('record.updated', { async: true })
  async onRecordUpdated(event: RecordEvent) {
    // each update asks to hear about the next commit of its table; nothing removes it
    this.eventEmitter.on('record.committed', (payload: { tableId: string }) => { // leak: listener-leak
      if (payload.tableId === event.tableId) this.logger.debug(`committed ${event.recordIds.length}`);
    });
    this.eventEmitter.once(`table.${event.tableId}.deleted`, () => this.logger.log('table gone')); // leak: listener-leak
    await this.eventEmitter.waitFor('record.committed', { timeout: 5000, filter: (p: any) => p.tableId === event.tableId }).catch(() => undefined); // ok: listener-leak
  }

  @OnEvent('base.created')
  onBaseCreated(payload: { baseId: string }) {
    if (this.workers.has(payload.baseId)) return;
    const worker = new Worker(`base-${payload.baseId}`, async () => undefined, { connection: { host: '127.0.0.1' } }); // ok: resource-per-request
    this.workers.set(payload.baseId, worker); // ok: unbounded-collection
  }

  @OnEvent('base.deleted')
  async onBaseDeleted(payload: { baseId: string }) {
    await this.workers.get(payload.baseId)?.close();
    this.workers.delete(payload.baseId);
  }

  @OnEvent('record.undo')
  onUndo(payload: { userId: string; data: Buffer }) {
    const g = globalThis as any;
    g.__teableUndoAudit ??= new Map();
    g.__teableUndoAudit.set(`${payload.userId}:${Date.now()}`, payload.data); // leak: global-growth
  }
}
