// Realtime gateway and workers in the style of Docmost's server (apps/server: a NestJS
// @WebSocketGateway with socket.io handling 'message' events for page tree updates, a
// TokenService verifying the cookie in handleConnection, BullMQ @Processor workers extending
// WorkerHost for attachments and search, an EnvironmentService). TypeScript with decorators.
import {
  OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage,
  WebSocketGateway, WebSocketServer, ConnectedSocket, MessageBody,
} from '@nestjs/websockets';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Processor, WorkerHost, OnWorkerEvent, InjectQueue } from '@nestjs/bullmq';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Server, Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import * as cookie from 'cookie';
import { TokenService } from '../core/auth/services/token.service';
import { EnvironmentService } from '../integrations/environment/environment.service';
import { SpaceMemberRepo } from '@docmost/db/repos/space/space-member.repo';

@WebSocketGateway({ cors: { origin: '*' }, transports: ['websocket'] })
export class WsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server: Server;
  private readonly logger = new Logger(WsGateway.name);
  private pubClient?: Redis;
  private subClient?: Redis;
  private presenceTimer?: NodeJS.Timeout;
  // socket ids per workspace, maintained on connect/disconnect
  private readonly byWorkspace = new Map<string, Set<string>>();
  // page tree snapshots per space, for late joiners; never evicted
  private readonly treeSnapshots = new Map<string, unknown[]>();
  // formatting hooks per event name; each is a single function replaced on register
  private readonly formatters = new Map<string, (data: any) => any>();

  constructor(
    private readonly tokenService: TokenService,
    private readonly spaceMemberRepo: SpaceMemberRepo,
    private readonly environmentService: EnvironmentService,
  ) {}

  afterInit(server: Server) {
    this.pubClient = new Redis(this.environmentService.getRedisUrl()); // ok: resource-per-request
    this.subClient = this.pubClient.duplicate(); // ok: resource-per-request
    server.adapter(createAdapter(this.pubClient, this.subClient));
    this.presenceTimer = setInterval(() => this.broadcastPresence(), 20_000); // ok: timer-leak
  }

  onModuleDestroy() {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.pubClient?.disconnect();
    this.subClient?.disconnect();
  }

  async handleConnection(client: Socket) {
    try {
      const cookies = cookie.parse(client.handshake.headers.cookie ?? '');
      const token = await this.tokenService.verifyJwt(cookies['authToken']);
      client.data.userId = token.sub;
      client.data.workspaceId = token.workspaceId;
      const set = this.byWorkspace.get(token.workspaceId) ?? new Set<string>();
      set.add(client.id); // ok: unbounded-collection
      this.byWorkspace.set(token.workspaceId, set); // ok: unbounded-collection
      const spaceIds = await this.spaceMemberRepo.getUserSpaceIds(token.sub);
      client.join(spaceIds.map((id: string) => `space-${id}`));
      // per-connection keep-alive, cleared on disconnect
      client.data.ping = setInterval(() => client.emit('ping'), 25_000); // ok: timer-leak
    } catch {
      client.disconnect();
    }
  }

  handleDisconnect(client: Socket) {
    clearInterval(client.data.ping);
    const set = this.byWorkspace.get(client.data.workspaceId);
    set?.delete(client.id);
    if (set && !set.size) this.byWorkspace.delete(client.data.workspaceId);
  }

  @SubscribeMessage('message')
  async handleMessage(@ConnectedSocket() client: Socket, @MessageBody() data: any) {
    const room = data.spaceId ? `space-${data.spaceId}` : `workspace-${client.data.workspaceId}`;
    if (data.operation === 'updateOne' || data.operation === 'moveTreeNode') {
      const snap = this.treeSnapshots.get(room) ?? [];
      snap.push(data); // ok: unbounded-collection
      this.treeSnapshots.set(room, snap.slice(-100)); // ok: unbounded-collection
    }
    if (data.operation === 'addTreeNode') {
      const all = this.treeSnapshots.get(`all-${room}`) ?? [];
      all.push(data); // leak: unbounded-collection
      this.treeSnapshots.set(`all-${room}`, all);
    }
    const fmt = this.formatters.get(data.operation);
    client.broadcast.to(room).emit('message', fmt ? fmt(data) : data);
  }

  @SubscribeMessage('follow-page')
  handleFollow(@ConnectedSocket() client: Socket, @MessageBody() data: { pageId: string }) {
    // the page-watch listener is attached to the server-wide namespace per follow request
    this.server.of('/').adapter.on('join-room', (room: string, id: string) => { // leak: listener-leak
      if (room === `page-${data.pageId}` && id !== client.id) client.emit('follower', id);
    });
    client.join(`page-${data.pageId}`);
  }

  @SubscribeMessage('typing')
  handleTyping(@ConnectedSocket() client: Socket, @MessageBody() data: { pageId: string }) {
    const onLeave = () => client.to(`page-${data.pageId}`).emit('typing-stop', client.data.userId);
    client.once('disconnect', onLeave); // ok: listener-leak
    client.to(`page-${data.pageId}`).emit('typing', client.data.userId);
  }

  registerFormatter(operation: string, fn: (data: any) => any) {
    this.formatters.set(operation, (d) => fn(d)); // ok: closure-capture
  }

  private broadcastPresence() {
    for (const [ws, set] of this.byWorkspace) this.server.to(`workspace-${ws}`).emit('presence', set.size);
  }
}

@Processor('attachment-queue')
export class AttachmentProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(AttachmentProcessor.name);
  private readonly thumbnailCache = new Map<string, Buffer>();
  private queueEvents?: QueueEvents;

  constructor(@InjectQueue('search-queue') private readonly searchQueue: Queue) {
    super();
  }

  async process(job: Job<{ attachmentId: string; pageId: string; data: string }>): Promise<void> {
    if (job.name === 'thumbnail') {
      const buf = Buffer.from(job.data.data, 'base64');
      this.thumbnailCache.set(job.data.attachmentId, buf); // leak: unbounded-cache
      return;
    }
    if (job.name === 'reindex-page') {
      // a QueueEvents connection per job to wait for the search job to finish
      const events = new QueueEvents('search-queue', { connection: { host: '127.0.0.1', port: 6379 } }); // leak: resource-per-request
      const searchJob = await this.searchQueue.add('page', { pageId: job.data.pageId });
      await searchJob.waitUntilFinished(events, 30_000);
      return;
    }
    if (job.name === 'reindex-page-shared') {
      this.queueEvents ??= new QueueEvents('search-queue', { connection: { host: '127.0.0.1', port: 6379 } }); // ok: resource-per-request
      const searchJob = await this.searchQueue.add('page', { pageId: job.data.pageId });
      await searchJob.waitUntilFinished(this.queueEvents, 30_000);
      return;
    }
    if (job.name === 'track') {
      const g = globalThis as any;
      g.docmostAttachmentJobs = (g.docmostAttachmentJobs ?? 0) + 1; // ok: global-growth
      const progress = setInterval(() => void job.updateProgress(50), 1000); // leak: timer-leak
      await new Promise((r) => setTimeout(r, 3000)); // ok: timer-leak
      void progress;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job) {
    const g = globalThis as any;
    g.docmostFailedJobs ??= [];
    g.docmostFailedJobs.push({ id: job.id, reason: job.failedReason, data: job.data }); // leak: global-growth
  }

  @OnWorkerEvent('completed')
  onCompleted(job: Job) {
    const wrap = (msg: string) => `[${job.name}] ${msg}`; // ok: closure-capture
    this.logger.debug(wrap('done'));
  }

  async onModuleDestroy() {
    await this.queueEvents?.close();
  }
}
