import { AbortController, type AbortSignal } from '@mastojs/ponyfills';
import type { Logger } from '../logger';
import { mergeAbortSignals } from '../utils';

const DEFAULT_TIMEOUT_MS = 1000 * 300;

export class Timeout {
  private readonly abortController: AbortController;
  private readonly timeout: NodeJS.Timeout;

  constructor(millisecond: number) {
    this.abortController = new AbortController();
    this.timeout = setTimeout(() => {
      this.abortController.abort();
    }, millisecond);
  }

  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  clear(): void {
    clearTimeout(this.timeout);
  }
}

export class MastoConfig {
  constructor(private readonly props: { url: string; timeout?: number }) {}

  createTimeout(): Timeout {
    return new Timeout(this.props.timeout ?? DEFAULT_TIMEOUT_MS);
  }

  createAbortSignal(signal?: AbortSignal | null): [AbortSignal, Timeout] {
    const timeout = this.createTimeout();
    const signals: AbortSignal[] = [timeout.signal];
    if (signal != undefined) signals.push(signal);
    return [mergeAbortSignals(signals), timeout];
  }
}

// one client per application; request() runs for every API call
export class HttpNativeImpl {
  constructor(private readonly config: MastoConfig, private readonly logger?: Logger) {}

  async request(params: { path: string; init?: RequestInit }): Promise<unknown> {
    const [request, timeout] = this.createRequest(params);
    this.logger?.debug(`${request.method} ${request.url}`);
    const response = await fetch(request);
    if (!response.ok) {
      throw response;
    }
    timeout.clear();
    return response.json();
  }

  private createRequest(params: { path: string; init?: RequestInit }): [Request, Timeout] {
    const [abortSignal, timeout] = this.config.createAbortSignal(params.init?.signal as AbortSignal);
    const request = new Request(params.path, { ...params.init, signal: abortSignal as any });
    return [request, timeout];
  }
}
