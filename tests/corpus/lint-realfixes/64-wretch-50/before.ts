import conf from './config';
import { mix } from './mix';
import { middlewareHelper } from './middleware';
import type { Wretcher } from './wretcher';

// runs for every request sent through a wretch instance
export const resolver = (wretcher: Wretcher) => {
  const { _url: url, _catchers, _middlewares: middlewares, _options: opts } = wretcher;
  const catchers = new Map(_catchers);

  const finalOptions = mix(conf.defaults, opts);
  const fetchController = conf.polyfill('AbortController', { doThrow: false, instance: true });
  if (!finalOptions['signal'] && fetchController) {
    finalOptions['signal'] = fetchController.signal;
  }
  const fetchRequest = middlewareHelper(middlewares)(conf.polyfill('fetch'))(url, finalOptions);
  const throwingPromise = fetchRequest.then((response: any) => {
    if (!response.ok) {
      return response.text().then((msg: string) => {
        const err: any = new Error(msg);
        err.status = response.status;
        err.response = response;
        throw err;
      });
    }
    return response;
  });
  const catchersWrapper = <T>(promise: Promise<T>): Promise<void | T> =>
    promise.catch((err) => {
      if (catchers.has(err.status)) return catchers.get(err.status)(err, wretcher);
      if (catchers.has(err.name)) return catchers.get(err.name)(err, wretcher);
      throw err;
    });

  const responseChain: any = {
    res: (cb?: (r: any) => any) => catchersWrapper(throwingPromise.then(cb)),
    json: (cb?: (r: any) => any) => catchersWrapper(throwingPromise.then((r: any) => r && r.json()).then(cb)),
    // aborts the request after a fixed time
    setTimeout: (time: number, controller = fetchController) => {
      setTimeout(() => controller.abort(), time); // leak: timer-leak
      return responseChain;
    },
    controller: () => [fetchController, responseChain],
  };
  return responseChain;
};
