import type { Hub, Span } from '@sentry/core';
import { getCurrentHub } from '@sentry/core';
import type * as http from 'http';
import type * as https from 'https';
import { LRUMap } from 'lru_map';

import type { RequestMethod, RequestMethodArgs } from './utils/http';
import { extractUrl, isSentryRequest, normalizeRequestArgs } from './utils/http';

interface TracingOptions {
  shouldCreateSpanForRequest?: (url: string) => boolean;
}

type OriginalRequestMethod = RequestMethod;
type WrappedRequestMethod = RequestMethod;
type WrappedRequestMethodFactory = (original: OriginalRequestMethod) => WrappedRequestMethod;

/**
 * Called once when the Http integration patches http.request/get; the returned
 * wrapper runs for every outgoing request of the process.
 */
export function _createWrappedRequestMethodFactory(
  tracingOptions: TracingOptions | undefined,
): WrappedRequestMethodFactory {
  // We're caching results so we don't have to recompute regexp every time we create a request.
  const createSpanUrlMap = new LRUMap<string, boolean>(100);

  const shouldCreateSpan = (url: string): boolean => {
    if (tracingOptions?.shouldCreateSpanForRequest === undefined) {
      return true;
    }

    const cachedDecision = createSpanUrlMap.get(url);
    if (cachedDecision !== undefined) {
      return cachedDecision;
    }

    const decision = tracingOptions.shouldCreateSpanForRequest(url);
    createSpanUrlMap.set(url, decision);
    return decision;
  };

  return function wrappedRequestMethodFactory(originalRequestMethod: OriginalRequestMethod): WrappedRequestMethod {
    return function wrappedMethod(this: typeof http | typeof https, ...args: RequestMethodArgs): http.ClientRequest {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const httpModule = this;

      const requestArgs = normalizeRequestArgs(this, args);
      const requestOptions = requestArgs[0];
      const requestUrl = extractUrl(requestOptions);

      if (isSentryRequest(requestUrl)) {
        return originalRequestMethod.apply(httpModule, requestArgs);
      }

      let requestSpan: Span | undefined;
      const hub: Hub = getCurrentHub();
      const scope = hub.getScope();

      if (scope && tracingOptions && shouldCreateSpan(requestUrl)) {
        const parentSpan = scope.getSpan();
        if (parentSpan) {
          requestSpan = parentSpan.startChild({
            description: `${requestOptions.method || 'GET'} ${requestUrl}`,
            op: 'http.client',
          });
        }
      }

      return originalRequestMethod
        .apply(httpModule, requestArgs)
        .once('response', function (this: http.ClientRequest, res: http.IncomingMessage): void {
          if (requestSpan) {
            requestSpan.setHttpStatus(res.statusCode || 0);
            requestSpan.finish();
          }
        });
    };
  };
}
