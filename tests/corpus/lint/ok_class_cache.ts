export class TokenCache {
  private tokens = new Map<string, { value: string; expires: number }>();

  get(key: string): string | undefined {
    const hit = this.tokens.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    this.tokens.delete(key);
    return undefined;
  }

  put(key: string, value: string, ttlMs: number): void {
    this.tokens.set(key, { value, expires: Date.now() + ttlMs });
  }
}
