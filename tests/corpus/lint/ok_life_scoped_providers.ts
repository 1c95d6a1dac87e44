// The same objects made once (singleton scope), or closing what they open.
import { Injectable, Scope } from '@nestjs/common';
import { Container } from 'inversify';
import Redis from 'ioredis';
import { EventEmitter } from 'events';

const audit = new EventEmitter();

@Injectable({ scope: Scope.DEFAULT })
export class TenantStore {
  private readonly conn: Redis;
  constructor() {
    this.conn = new Redis(process.env.STORE_URL as string);
  }
}

@Injectable({ scope: Scope.REQUEST })
export class RequestStore {
  private readonly conn: Redis;
  constructor() {
    this.conn = new Redis(process.env.STORE_URL as string);
  }
  async onRequestEnd(): Promise<void> {
    await this.conn.quit();
  }
}

export class ReportJob {
  constructor() {
    audit.on('flush', () => this.flush());
  }
  flush(): void {}
}

export const di = new Container();
di.bind('Job').to(ReportJob).inSingletonScope();
di.bind('Cache').toDynamicValue(() => new Redis(process.env.CACHE_URL as string)).inSingletonScope();
