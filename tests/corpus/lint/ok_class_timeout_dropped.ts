// Look-alikes: timeouts cleared when the call ends, library timeouts, and plain delays.
export class ApiClient {
  constructor(private readonly baseUrl: string, private readonly timeoutMs = 120_000) {}

  async get(path: string): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await fetch(`${this.baseUrl}${path}`, { signal: controller.signal });
      return await res.json();
    } finally {
      clearTimeout(timer);
    }
  }

  async head(path: string): Promise<number> {
    const res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    return res.status;
  }

  async retry(path: string): Promise<unknown> {
    await new Promise((resolve) => setTimeout(resolve, 250));
    return this.get(path);
  }

  later(task: () => void): void {
    setTimeout(() => task(), 0);
  }
}
