// Collections on fields of objects that live as long as the process, grown per call.
import { Injectable } from '@nestjs/common';

interface AuditEvent { actor: string; action: string }

@Injectable()
export class AuditTrail {
  private readonly events: AuditEvent[] = [];
  private readonly byActor = new Map<string, AuditEvent[]>();

  note(event: AuditEvent): void {
    this.events.push(event); // expect: field-collection-growth
  }

  count(): number {
    return this.events.length;
  }
}

class Channel {
  readonly listeners = new Set<(m: string) => void>();
  constructor(readonly topic: string) {}
}

class ChannelDirectory {
  private channels = new Map<string, Channel>();

  channel(topic: string): Channel {
    let found = this.channels.get(topic);
    if (!found) {
      found = new Channel(topic);
      this.channels.set(topic, found); // expect: field-collection-growth
    }
    return found;
  }
}

export const directory = new ChannelDirectory();

class Telemetry {
  private samples: number[] = [];

  observe(latencyMs: number): void {
    this.keep(latencyMs);
  }

  private keep(value: number): void {
    this.samples.push(value); // expect: field-collection-growth
  }
}

export default new Telemetry();
