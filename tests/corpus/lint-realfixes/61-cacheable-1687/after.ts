import { EventEmitter } from 'node:events';
import Keyv from 'keyv';

type RequestFn = (options: any, cb?: (response: any) => void) => any;

class CacheError extends Error {}

export default class CacheableRequest {
  cache: Keyv;
  cacheRequest: RequestFn;

  // one instance per got client; its Keyv store is shared by every request made through it
  constructor(cacheRequest: RequestFn, cacheAdapter?: any) {
    this.cache = cacheAdapter instanceof Keyv ? cacheAdapter : new Keyv({ store: cacheAdapter, namespace: 'cacheable-request' });
    this.cacheRequest = cacheRequest;
  }

  request = () => (options: any, callback?: (response: any) => void) => {
    const ee = new EventEmitter();

    (async () => {
      const makeRequest = (opts: any) => {
        const request = this.cacheRequest(opts, (response: any) => {
          ee.emit('response', response);
          if (typeof callback === 'function') callback(response);
        });
        request.once('error', (error: Error) => ee.emit('error', error));
        ee.emit('request', request);
      };

      const errorHandler = (error: Error) => ee.emit('error', new CacheError(error.message));
      const cachek = this.cache;
      let pendingRequest: any;
      const removeErrorHandler = () => {
        cachek.removeListener('error', errorHandler);
        pendingRequest?.removeListener('error', removeErrorHandler);
        pendingRequest?.removeListener('abort', removeErrorHandler);
        pendingRequest?.removeListener('close', removeErrorHandler);
        pendingRequest = undefined;
      };
      // on() so that removeListener() is given the very function that was registered
      cachek.on('error', errorHandler);
      ee.on('error', removeErrorHandler);
      ee.on('response', removeErrorHandler);
      // aborted or destroyed requests never emit 'response'
      ee.on('request', (request: any) => {
        pendingRequest = request;
        request.once('error', removeErrorHandler);
        request.once('abort', removeErrorHandler);
        request.once('close', removeErrorHandler);
      });

      const cached = await this.cache.get(options.url);
      if (cached) {
        ee.emit('response', cached);
        if (typeof callback === 'function') callback(cached);
      } else {
        makeRequest(options);
      }
    })();

    return ee;
  };
}
