// Lists per key stored back after a change that keeps them bounded: trimmed to the newest
// entries, taken out again by the timer that ends the item, filtered by an unsubscribe; and a
// queue per key made once and stored (a registry of queues, not a growing list).
import { Injectable } from '@nestjs/common';

const recentByRoom = new Map<string, string[]>();

export function onMessage(room: string, text: string): void {
  const recent = recentByRoom.get(room) ?? [];
  recent.push(text);
  recentByRoom.set(room, recent.slice(-50));
}

@Injectable()
export class ActivityTracker {
  private readonly active = new Map<string, string[]>();

  async onMessageCreate(guildId: string, userId: string): Promise<void> {
    const users = this.active.get(guildId) || [];
    if (users.includes(userId)) return;
    users.push(userId);
    this.active.set(guildId, users);
    setTimeout(() => {
      const now = this.active.get(guildId) || [];
      now.splice(now.indexOf(userId), 1);
      this.active.set(guildId, now);
    }, 13_000).unref();
  }
}

@Injectable()
export class EventDispatcher {
  private readonly handlers = new Map<string, Array<(e: unknown) => void>>();

  subscribe(type: string, handler: (e: unknown) => void): () => void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
    return () => this.handlers.set(type, (this.handlers.get(type) ?? []).filter((h) => h !== handler));
  }
}
