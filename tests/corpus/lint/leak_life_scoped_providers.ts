// Objects a dependency-injection container makes per request or per resolve: what their
// constructor opens or subscribes to is opened again for every one of them.
import { Injectable, Scope } from '@nestjs/common';
import { Container } from 'inversify';
import Redis from 'ioredis';
import { EventEmitter } from 'events';

const audit = new EventEmitter();

@Injectable({ scope: Scope.REQUEST })
export class TenantStore {
  private readonly conn: Redis;
  constructor() {
    this.conn = new Redis(process.env.STORE_URL as string); // expect: client-per-request
  }
}

export class ReportJob {
  constructor() {
    audit.on('flush', () => this.flush()); // expect: listener-not-removed
  }
  flush(): void {}
}

export const di = new Container();
di.bind('Job').to(ReportJob).inTransientScope();
di.bind('Cache').toDynamicValue(() => new Redis(process.env.CACHE_URL as string)); // expect: client-per-request
