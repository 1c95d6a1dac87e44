// A timer handle replaced while the previous timer is still running.
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

@Injectable()
export class ReportScheduler implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  onModuleInit(): void {
    this.timer = setInterval(() => this.flush(), 30_000);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  follow(account: string): void {
    this.timer = setInterval(() => this.report(account), 60_000); // expect: timer-overwritten
  }

  private flush(): void {}
  private report(account: string): void { void account; }
}

export class Heartbeat {
  private beat: NodeJS.Timeout | null = null;

  start(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = setInterval(() => this.ping(), 10_000);
  }

  resume(): void {
    this.beat = setInterval(() => this.ping(), 10_000); // expect: timer-overwritten
  }

  stop(): void {
    if (this.beat) clearInterval(this.beat);
  }

  private ping(): void {}
}
