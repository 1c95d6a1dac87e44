// The same lookup with a cap where the cache fills: the oldest quotes go first.
declare function queryQuotes(productIds: string[]): Promise<Array<{ productId: string; cents: number }>>;

const QUOTES_MAX = 10_000;
const quoteCache = new Map<string, { cents: number; at: number }>();

async function loadQuotes(productIds: string[]): Promise<void> {
  for (const row of await queryQuotes(productIds)) {
    if (quoteCache.size >= QUOTES_MAX) quoteCache.delete(quoteCache.keys().next().value as string);
    quoteCache.set(row.productId, { cents: row.cents, at: Date.now() });
  }
}

export async function quote(productIds: string[]): Promise<number[]> {
  const misses = productIds.filter((productId) => !quoteCache.get(productId));
  if (misses.length) await loadQuotes(misses);
  return productIds.map((productId) => quoteCache.get(productId)?.cents ?? 0);
}
