import {
  CallHandler, Controller, ExecutionContext, Get, Inject, Injectable, Logger, Module, NestInterceptor,
  OnModuleDestroy, Param, Scope, UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR, REQUEST } from '@nestjs/core';
import {
  ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit,
  SubscribeMessage, WebSocketGateway, WebSocketServer,
} from '@nestjs/websockets';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Observable, Subject, Subscription, of } from 'rxjs';
import { filter, finalize, tap } from 'rxjs/operators';
import type { Request } from 'express';
import Redis from 'ioredis';
import { Server, Socket } from 'socket.io';

export interface ScoreUpdate { matchId: string; home: number; away: number; minute: number }

@Injectable()
export class LiveScoresService {
  private readonly updates = new Subject<ScoreUpdate>();
  private readonly history = new Map<string, ScoreUpdate[]>();
  readonly updates$ = this.updates.asObservable();

  publish(update: ScoreUpdate): void {
    const list = this.history.get(update.matchId) ?? [];
    list.push(update); // ok: unbounded-collection
    if (list.length > 50) list.splice(0, list.length - 50);
    this.history.set(update.matchId, list);
    this.updates.next(update);
  }

  finish(matchId: string): void {
    this.history.delete(matchId);
  }

  recent(matchId: string): ScoreUpdate[] {
    return this.history.get(matchId) ?? [];
  }
}

@Injectable()
export class TimingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Timing');
  private readonly samples: number[] = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = Date.now();
    return next.handle().pipe(
      finalize(() => {
        const elapsed = Date.now() - started;
        this.samples.push(elapsed); // leak: unbounded-collection
        if (elapsed > 1000) this.logger.warn(`${context.getHandler().name} took ${elapsed}ms`);
      }),
    );
  }

  p95(): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  }
}

@Injectable()
export class PerUserResponseCache implements NestInterceptor {
  private readonly responses = new Map<string, unknown>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    if (req.method !== 'GET' || !req.user) return next.handle();
    const key = `${req.user.id}:${req.originalUrl}`;
    if (this.responses.has(key)) return of(this.responses.get(key));
    return next.handle().pipe(tap((body) => this.responses.set(key, body))); // leak: unbounded-cache
  }
}

@Injectable({ scope: Scope.REQUEST })
export class TenantCache {
  private readonly client: Redis;

  constructor(@Inject(REQUEST) private readonly request: Request) {
    const tenant = String(request.headers['x-tenant'] ?? 'default');
    this.client = new Redis(process.env.REDIS_URL as string, { keyPrefix: `${tenant}:` }); // leak: resource-per-request
  }

  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }
}

@WebSocketGateway({ namespace: '/live', cors: true })
export class LiveGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server!: Server;
  private readonly logger = new Logger(LiveGateway.name);
  private readonly redisSub = new Redis(process.env.REDIS_URL as string); // ok: resource-per-request
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly joined = new WeakMap<Socket, Set<string>>();

  constructor(private readonly scores: LiveScoresService, private readonly events: EventEmitter2) {}

  afterInit(): void {
    void this.redisSub.subscribe('scores', 'match-finished');
    this.redisSub.on('message', (channel, message) => { // ok: listener-leak
      if (channel === 'match-finished') this.scores.finish(message);
      else this.scores.publish(JSON.parse(message));
    });
  }

  handleConnection(client: Socket): void {
    const matchId = String(client.handshake.query.match ?? '');
    const sub = this.scores.updates$
      .pipe(filter((u) => u.matchId === matchId))
      .subscribe((u) => client.emit('score', u)); // ok: listener-leak
    this.subscriptions.set(client.id, sub); // ok: unbounded-collection
    client.emit('history', this.scores.recent(matchId));
  }

  handleDisconnect(client: Socket): void {
    this.subscriptions.get(client.id)?.unsubscribe();
    this.subscriptions.delete(client.id);
    if (client.data.clock) clearInterval(client.data.clock);
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() client: Socket, @MessageBody() room: string): string[] {
    const rooms = this.joined.get(client) ?? new Set<string>();
    rooms.add(room);
    this.joined.set(client, rooms); // ok: unbounded-cache
    void client.join(room);
    return [...rooms];
  }

  @SubscribeMessage('follow-goals')
  followGoals(@ConnectedSocket() client: Socket, @MessageBody() matchId: string): void {
    this.events.on(`match.${matchId}.goal`, (goal: unknown) => client.emit('goal', goal)); // leak: listener-leak, closure-capture
  }

  @SubscribeMessage('clock')
  startClock(@ConnectedSocket() client: Socket, @MessageBody() body: { matchId: string }): void {
    client.data.clock = setInterval(() => { // leak: timer-leak
      const latest = this.scores.recent(body.matchId).at(-1);
      client.emit('clock', latest?.minute ?? 0);
    }, 1000);
  }

  async onModuleDestroy(): Promise<void> {
    for (const sub of this.subscriptions.values()) sub.unsubscribe();
    this.subscriptions.clear();
    await this.redisSub.quit();
    this.logger.log('live gateway closed');
  }
}

@Controller('scores')
export class ScoresController {
  constructor(private readonly scores: LiveScoresService, private readonly tenantCache: TenantCache) {}

  @Get(':matchId')
  @UseInterceptors(PerUserResponseCache)
  async recent(@Param('matchId') matchId: string) {
    const sponsor = await this.tenantCache.get(`sponsor:${matchId}`);
    return { sponsor, updates: this.scores.recent(matchId) };
  }
}

@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: true })],
  controllers: [ScoresController],
  providers: [
    LiveScoresService, LiveGateway, PerUserResponseCache, TenantCache,
    { provide: APP_INTERCEPTOR, useClass: TimingInterceptor },
  ],
  exports: [LiveScoresService],
})
export class LiveModule {}
