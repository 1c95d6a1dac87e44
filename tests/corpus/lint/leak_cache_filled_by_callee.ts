// A price lookup: quote() reads the cache and asks loadQuotes() for the misses, which fills
// it; the read and the fill are one call apart, and nothing ever evicts a product's quote.
declare function queryQuotes(productIds: string[]): Promise<Array<{ productId: string; cents: number }>>;

const quoteCache = new Map<string, { cents: number; at: number }>();

async function loadQuotes(productIds: string[]): Promise<void> {
  for (const row of await queryQuotes(productIds)) {
    quoteCache.set(row.productId, { cents: row.cents, at: Date.now() }); // expect: cache-without-eviction
  }
}

export async function quote(productIds: string[]): Promise<number[]> {
  const misses = productIds.filter((productId) => !quoteCache.get(productId));
  if (misses.length) await loadQuotes(misses);
  return productIds.map((productId) => quoteCache.get(productId)?.cents ?? 0);
}
