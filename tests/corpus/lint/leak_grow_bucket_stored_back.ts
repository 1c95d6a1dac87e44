// A list per key fetched into a local, grown, and stored back: each call adds an item to the
// key's list, and nothing ever takes one out, on a module-level map and on the field of a
// service made once.
import { Injectable } from '@nestjs/common';

const reviewsByPull = new Map<number, object[]>();

export async function onReviewRequested(pullId: number, reviewer: object): Promise<void> {
  const list = reviewsByPull.get(pullId) || [];
  list.push(reviewer); // expect: module-collection-growth
  reviewsByPull.set(pullId, list);
}

@Injectable()
export class ConversationService {
  private readonly history = new Map<string, string[]>();

  async handleIncoming(payload: { conversationId: string; text: string }): Promise<void> {
    const lines = this.history.get(payload.conversationId) ?? [];
    lines.push(payload.text); // expect: field-collection-growth
    this.history.set(payload.conversationId, lines);
  }
}
