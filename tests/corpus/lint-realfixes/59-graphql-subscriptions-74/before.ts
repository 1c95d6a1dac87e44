import { $$asyncIterator } from 'iterall';

export type FilterFn = (rootValue?: any, args?: any, context?: any, info?: any) => boolean | Promise<boolean>;

// asyncIteratorFn is typically pubsub.asyncIterator(topic): it subscribes an event handler on the
// shared PubSub emitter and unsubscribes it only when its own return() is called
export const withFilter = (asyncIteratorFn: () => AsyncIterator<any>, filterFn: FilterFn) => {
  return (rootValue: any, args: any, context: any, info: any): AsyncIterator<any> => {
    const asyncIterator = asyncIteratorFn();

    const getNextPromise = (): Promise<IteratorResult<any>> => {
      return asyncIterator.next().then((payload) => {
        if (payload.done === true) return payload;
        return Promise.resolve(filterFn(payload.value, args, context, info)).then((ok) =>
          ok ? payload : getNextPromise(),
        );
      });
    };

    return {
      next() {
        return getNextPromise();
      },
      // called by the transport when the client unsubscribes or disconnects
      return() {
        return Promise.resolve({ value: undefined, done: true }); // leak: listener-leak
      },
      throw(error: any) {
        return Promise.reject(error);
      },
      [$$asyncIterator]() {
        return this;
      },
    } as AsyncIterator<any>;
  };
};
