// NestJS-style notifications module: injectable singletons, decorators, lifecycle hooks (TS).
import { Injectable, Controller, Post, Get, Body, Param, OnModuleDestroy, OnModuleInit, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { firstValueFrom } from 'rxjs';

export interface NotificationDto {
  userId: string;
  channel: 'email' | 'sms' | 'push';
  template: string;
  payload: Record<string, unknown>;
}

@Injectable()
export class TemplateService {
  private readonly compiled = new Map<string, (p: Record<string, unknown>) => string>();
  private readonly rendered = new Map<string, string>();

  compile(name: string): (p: Record<string, unknown>) => string {
    let fn = this.compiled.get(name);
    if (!fn) {
      fn = (p) => name.replace(/\{(\w+)\}/g, (_, k) => String(p[k] ?? ''));
      this.compiled.set(name, fn); // leak: unbounded-cache
    }
    return fn;
  }

  render(name: string, payload: Record<string, unknown>): string {
    const key = `${name}:${JSON.stringify(payload)}`;
    const cached = this.rendered.get(key);
    if (cached !== undefined) return cached;
    const out = this.compile(name)(payload);
    if (this.rendered.size > 1000) {
      const oldest = this.rendered.keys().next().value;
      this.rendered.delete(oldest);
    }
    this.rendered.set(key, out); // ok: unbounded-cache
    return out;
  }
}

@Injectable()
export class NotificationsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NotificationsService.name);
  private readonly history: NotificationDto[] = [];
  private readonly retries = new Map<string, number>();
  private flushTimer?: NodeJS.Timeout;
  private readonly http = axios.create({ baseURL: process.env.PUSH_URL, timeout: 5000 }); // ok: resource-per-request

  constructor(
    private readonly templates: TemplateService,
    private readonly events: EventEmitter2,
    private readonly httpService: HttpService,
  ) {}

  onModuleInit(): void {
    this.flushTimer = setInterval(() => this.flush(), 15_000); // ok: timer-leak
    this.events.on('user.deleted', this.onUserDeleted); // ok: listener-leak
  }

  onModuleDestroy(): void {
    clearInterval(this.flushTimer);
    this.events.off('user.deleted', this.onUserDeleted);
  }

  private readonly onUserDeleted = (userId: string): void => {
    this.retries.delete(userId);
  };

  async send(dto: NotificationDto): Promise<void> {
    const text = this.templates.render(dto.template, dto.payload);
    this.history.push(dto); // leak: unbounded-collection
    const client = axios.create({ baseURL: process.env.SMS_URL, timeout: 5000 }); // leak: resource-per-request
    try {
      await client.post('/send', { to: dto.userId, text });
      this.retries.delete(dto.userId); // ok: unbounded-collection
    } catch (err) {
      this.retries.set(dto.userId, (this.retries.get(dto.userId) ?? 0) + 1); // ok: unbounded-collection
      this.logger.warn(`send failed for ${dto.userId}`);
    }
  }

  async subscribe(userId: string, onMessage: (m: unknown) => void): Promise<void> {
    this.events.on(`user.${userId}.message`, onMessage); // leak: listener-leak
    await firstValueFrom(this.httpService.post('/subscribe', { userId }));
  }

  async unsubscribe(userId: string, onMessage: (m: unknown) => void): Promise<void> {
    this.events.off(`user.${userId}.message`, (m: unknown) => onMessage(m)); // leak: listener-leak
  }

  startDigest(userId: string): void {
    this.flushTimer = setInterval(() => this.digest(userId), 60_000); // leak: timer-leak
  }

  private async digest(userId: string): Promise<void> {
    await this.http.post('/digest', { userId });
  }

  private async flush(): Promise<void> {
    this.logger.log(`history size ${this.history.length}`);
  }
}

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  async create(@Body() dto: NotificationDto): Promise<{ ok: true }> {
    await this.notifications.send(dto);
    return { ok: true };
  }

  @Post(':userId/digest')
  digest(@Param('userId') userId: string): { ok: true } {
    this.notifications.startDigest(userId);
    return { ok: true };
  }

  @Get('health')
  health(): { status: string } {
    return { status: 'up' };
  }
}
