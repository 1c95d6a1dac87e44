// Per-call timeouts whose handle is dropped: they keep the call's objects until they fire.
export class ApiClient {
  constructor(private readonly baseUrl: string, private readonly timeoutMs = 120_000) {}

  async get(path: string): Promise<unknown> {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), this.timeoutMs); // expect: timeout-not-cleared
    const res = await fetch(`${this.baseUrl}${path}`, { signal: controller.signal });
    return res.json();
  }

  waitFor(id: string): Promise<string> {
    return new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error(`no answer for ${id}`)), this.timeoutMs); // expect: timeout-not-cleared
      this.once(id, resolve);
    });
  }

  private once(id: string, done: (value: string) => void): void { void id; void done; }
}
