// Look-alikes: fields of long-lived objects that are bounded, removed on completion, weak, or
// objects made per call that die with the call.
import { Injectable } from '@nestjs/common';

interface AuditEvent { actor: string; action: string }

@Injectable()
export class BoundedAuditTrail {
  private readonly events: AuditEvent[] = [];
  private readonly inFlight = new Map<string, AuditEvent>();
  private readonly perRequest = new WeakMap<object, AuditEvent>();

  note(event: AuditEvent): void {
    this.events.push(event);
    if (this.events.length > 500) this.events.shift();
  }

  async track(id: string, event: AuditEvent, work: () => Promise<void>): Promise<void> {
    this.inFlight.set(id, event);
    try {
      await work();
    } finally {
      this.inFlight.delete(id);
    }
  }

  tag(request: object, event: AuditEvent): void {
    this.perRequest.set(request, event);
  }
}

class Channel {
  constructor(readonly topic: string) {}
}

class ChannelDirectory {
  private channels = new Map<string, Channel>();

  channel(topic: string): Channel {
    let found = this.channels.get(topic);
    if (!found) {
      found = new Channel(topic);
      this.channels.set(topic, found);
    }
    return found;
  }

  close(topic: string): void {
    this.channels.delete(topic);
  }
}

export const directory = new ChannelDirectory();

// made for one request and dropped with it
export class ResponseBuilder {
  private parts: string[] = [];

  add(part: string): this {
    this.parts.push(part);
    return this;
  }

  text(value: string): this {
    this.parts.push(value);
    return this;
  }

  build(): string {
    return this.parts.join('');
  }
}
