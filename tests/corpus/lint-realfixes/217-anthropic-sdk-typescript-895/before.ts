// src/client.ts of the Anthropic TypeScript SDK, cut to the request path. Callers often
// pass one AbortSignal for many requests (a server's shutdown signal, a job's signal).
type Fetch = (url: RequestInfo, init?: RequestInit) => Promise<Response>;

interface FinalRequestOptions {
  method: string;
  path: string;
  body?: unknown;
  signal?: AbortSignal | null;
  timeout?: number;
}

export class BaseAnthropic {
  baseURL: string;
  timeout: number;
  private fetch: Fetch;

  constructor({ baseURL, timeout, fetch }: { baseURL: string; timeout?: number; fetch?: Fetch }) {
    this.baseURL = baseURL;
    this.timeout = timeout ?? 600000;
    this.fetch = fetch ?? globalThis.fetch;
  }

  async makeRequest(options: FinalRequestOptions): Promise<Response> {
    const url = this.baseURL + options.path;
    const req: RequestInit = {
      method: options.method,
      headers: { 'content-type': 'application/json' },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const controller = new AbortController();
    return this.fetchWithTimeout(url, req, options.timeout ?? this.timeout, controller);
  }

  async fetchWithTimeout(
    url: RequestInfo,
    init: RequestInit | undefined,
    ms: number,
    controller: AbortController,
  ): Promise<Response> {
    const { signal, method, ...options } = init || {};
    if (signal) signal.addEventListener('abort', () => controller.abort()); // leak: closure-capture

    const timeout = setTimeout(() => controller.abort(), ms);

    const isReadableBody =
      ((globalThis as any).ReadableStream && options.body instanceof (globalThis as any).ReadableStream) ||
      (typeof options.body === 'object' && options.body !== null && Symbol.asyncIterator in options.body);

    const fetchOptions: RequestInit = {
      signal: controller.signal as any,
      ...(isReadableBody ? { duplex: 'half' } : {}),
      method: 'GET',
      ...options,
    };
    if (method) {
      // custom methods like 'patch' must be upper case for undici
      fetchOptions.method = method.toUpperCase();
    }

    try {
      // fetch must be called with an undefined this
      return await this.fetch.call(undefined, url, fetchOptions);
    } finally {
      clearTimeout(timeout);
    }
  }
}
