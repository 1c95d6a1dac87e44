import { AbortController, type AbortSignal } from '@mastojs/ponyfills';
import type { Logger } from '../logger';
import { mergeAbortSignals } from '../utils';

const DEFAULT_TIMEOUT_MS = 1000 * 300;

export class MastoConfig {
  constructor(private readonly props: { url: string; timeout?: number }) {}

  createTimeoutSignal(): AbortSignal {
    const timeoutController = new AbortController();
    setTimeout(() => { // leak: timer-leak
      timeoutController.abort();
    }, this.props.timeout ?? DEFAULT_TIMEOUT_MS);
    return timeoutController.signal;
  }

  createAbortSignal(signal?: AbortSignal | null): AbortSignal {
    const signals: AbortSignal[] = [this.createTimeoutSignal()];
    if (signal != undefined) signals.push(signal);
    return mergeAbortSignals(signals);
  }
}

// one client per application; request() runs for every API call
export class HttpNativeImpl {
  constructor(private readonly config: MastoConfig, private readonly logger?: Logger) {}

  async request(params: { path: string; init?: RequestInit }): Promise<unknown> {
    const request = this.createRequest(params);
    this.logger?.debug(`${request.method} ${request.url}`);
    const response = await fetch(request);
    if (!response.ok) {
      throw response;
    }
    return response.json();
  }

  private createRequest(params: { path: string; init?: RequestInit }): Request {
    const abortSignal = this.config.createAbortSignal(params.init?.signal as AbortSignal);
    return new Request(params.path, { ...params.init, signal: abortSignal as any });
  }
}
