export class PriceService {
  private cache = new Map<string, number>();

  constructor(private readonly api: { fetchPrice(sku: string): Promise<number> }) {}

  async price(sku: string): Promise<number> {
    const cached = this.cache.get(sku);
    if (cached !== undefined) return cached;
    const value = await this.api.fetchPrice(sku);
    this.cache.set(sku, value); // expect: cache-without-eviction
    return value;
  }
}
