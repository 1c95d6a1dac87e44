// Who has reacted to each message, kept for the whole process: the bucket for a message is
// fetched, filled and stored back in one expression, per reaction, and never dropped.
const reactors = new Map<string, string[]>();

export async function react(messageId: string, userId: string): Promise<number> {
  reactors.set(messageId, (reactors.get(messageId) || []).concat(userId)); // expect: module-collection-growth
  return reactors.get(messageId)?.length ?? 0;
}
