// Teable backend style (apps/nestjs-backend: share-db/share-db.service.ts extends ShareDB and
// registers middleware with this.use in its constructor; ws/ws.gateway.ts is a @WebSocketGateway
// over `ws` that pipes each connection into ShareDB through WebSocketJSONStream; events go through
// @nestjs/event-emitter with @OnEvent listeners; nestjs-cls for the request user). All providers
// are singletons (default scope); gateway handlers run once per connection or message.
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit } from '@nestjs/websockets';
import { WebSocketGateway } from '@nestjs/websockets';
import WebSocketJSONStream from '@teamwork/websocket-json-stream';
import ShareDBClass from 'sharedb';
import type { Request } from 'express';
import type { Server, WebSocket } from 'ws';
import { ClsService } from 'nestjs-cls';
import { PrismaService } from '@teable/db-main-prisma';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';

interface IRecordUpdated { tableId: string; recordId: string; userId: string; ops: unknown[] }

@Injectable()
export class ShareDbService extends ShareDBClass implements OnModuleDestroy {
  private readonly logger = new Logger(ShareDbService.name);
  private readonly opCounts = new Map<string, number>();
  private readonly tableListeners = new Map<string, Set<(e: IRecordUpdated) => void>>();
  private readonly pub: Redis;

  constructor(
    private readonly prisma: PrismaService,
    private readonly cls: ClsService,
    private readonly eventEmitter: EventEmitter2,
  ) {
    super({ presence: true, doNotForwardSendPresenceErrorsToClient: true });
    this.pub = new Redis(process.env.BACKEND_CACHE_REDIS_URI as string); // ok: resource-per-request
    this.use('submit', this.onSubmit); // ok: listener-leak
    this.use('commit', this.onCommit); // ok: listener-leak
    this.use('afterWrite', (ctx, next) => { // ok: listener-leak
      this.publishAfterWrite(ctx).finally(() => next());
    });
  }

  async onModuleDestroy() {
    await this.pub.quit();
    this.opCounts.clear();
  }

  private onSubmit = (context: ShareDBClass.middleware.SubmitContext, next: (err?: unknown) => void) => {
    const key = `${context.collection}:${context.id}`;
    this.opCounts.set(key, (this.opCounts.get(key) ?? 0) + 1); // leak: unbounded-collection
    next();
  };

  private onCommit = (context: ShareDBClass.middleware.CommitContext, next: (err?: unknown) => void) => {
    context.op.m = { ...(context.op.m ?? {}), user: this.cls.get('user.id') };
    next();
  };

  private async publishAfterWrite(ctx: ShareDBClass.middleware.SubmitContext) {
    const [, tableId] = ctx.collection.split('_');
    const event: IRecordUpdated = { tableId, recordId: ctx.id, userId: ctx.agent.custom?.user?.id, ops: ctx.op ? [ctx.op] : [] };
    await this.pub.publish(`table:${tableId}`, JSON.stringify(event));
    this.eventEmitter.emit('record.updated', event);
  }

  onTable(tableId: string, fn: (e: IRecordUpdated) => void): () => void {
    const set = this.tableListeners.get(tableId) ?? new Set();
    set.add(fn); // ok: listener-leak
    this.tableListeners.set(tableId, set); // ok: unbounded-collection
    return () => {
      set.delete(fn);
      if (!set.size) this.tableListeners.delete(tableId);
    };
  }

  @OnEvent('record.updated')
  dispatch(event: IRecordUpdated) {
    this.tableListeners.get(event.tableId)?.forEach((fn) => fn(event));
  }
}

@Injectable()
export class AttachmentsTableService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AttachmentsTableService.name);
  private readonly thumbnailCache = new LRUCache<string, string>({ max: 2000, ttl: 600_000 }); // ok: unbounded-cache
  private readonly signedUrls: Record<string, string> = {};
  private cleanup?: NodeJS.Timeout;

  constructor(private readonly prisma: PrismaService, private readonly shareDb: ShareDbService) {}

  onModuleInit() {
    this.cleanup = setInterval(() => this.thumbnailCache.purgeStale(), 60_000); // ok: timer-leak
  }

  onModuleDestroy() {
    clearInterval(this.cleanup);
  }

  async signedUrl(token: string): Promise<string> {
    if (this.signedUrls[token]) return this.signedUrls[token];
    const att = await this.prisma.attachments.findFirstOrThrow({ where: { token } });
    const url = `/api/attachments/read/${att.path}?sig=${Date.now().toString(36)}`;
    this.signedUrls[token] = url; // leak: unbounded-cache
    return url;
  }

  @OnEvent('record.updated', { async: true })
  async handleRecordUpdated(event: IRecordUpdated) {
    const key = `${event.tableId}:${event.recordId}`;
    if (this.thumbnailCache.has(key)) this.thumbnailCache.delete(key);
    // subscribes the table on every update, the returned unsubscribe is dropped
    this.shareDb.onTable(event.tableId, (e) => { // leak: listener-leak
      this.logger.verbose(`thumbnail invalidated for ${e.recordId}`);
    });
  }
}

@WebSocketGateway({ path: '/socket', perMessageDeflate: true })
export class WsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(WsGateway.name);
  private server!: Server;
  private readonly heartbeats = new Map<WebSocket, NodeJS.Timeout>();
  private readonly presenceByDoc = new Map<string, string[]>();

  constructor(private readonly shareDb: ShareDbService) {}

  afterInit(server: Server) {
    this.server = server;
    this.logger.log('WsGateway afterInit');
    server.on('error', (err) => this.logger.error(err)); // ok: listener-leak
  }

  handleConnection(client: WebSocket, request: Request) {
    const stream = new WebSocketJSONStream(client);
    const agent = this.shareDb.listen(stream, request);
    const beat = setInterval(() => client.ping(), 30_000); // ok: timer-leak
    this.heartbeats.set(client, beat); // ok: unbounded-collection
    client.on('message', (raw) => { // ok: listener-leak
      const msg = JSON.parse(raw.toString());
      if (msg.a === 'p' && msg.d) {
        const list = this.presenceByDoc.get(msg.d) ?? [];
        list.push(agent.clientId); // leak: unbounded-collection
        this.presenceByDoc.set(msg.d, list);
      }
    });
    client.on('error', (err) => this.logger.warn(err.message)); // ok: listener-leak
  }

  handleDisconnect(client: WebSocket) {
    clearInterval(this.heartbeats.get(client));
    this.heartbeats.delete(client);
  }
}

@WebSocketGateway({ path: '/socket/notify' })
export class NotifyGateway implements OnGatewayConnection {
  private readonly logger = new Logger(NotifyGateway.name);

  constructor(private readonly eventEmitter: EventEmitter2, private readonly shareDb: ShareDbService) {}

  handleConnection(client: WebSocket, request: Request) {
    const userId = (request as any).user?.id as string;
    const push = (e: IRecordUpdated) => {
      if (e.userId !== userId) client.send(JSON.stringify({ type: 'record', e }));
    };
    this.eventEmitter.on('record.updated', push); // leak: listener-leak
    const keepAlive = setInterval(() => client.ping(), 25_000); // leak: timer-leak
    const unsubscribe = this.shareDb.onTable(String(request.query.tableId), push); // ok: listener-leak
    client.once('close', () => { // ok: listener-leak
      unsubscribe();
      this.logger.debug(`notify socket of ${userId} closed`);
    });
  }
}
