export type FilterFn = (rootValue?: any, args?: any, context?: any, info?: any) => boolean | Promise<boolean>;
export type ResolverFn = (rootValue?: any, args?: any, context?: any, info?: any) => AsyncIterator<any>;

// wraps a subscription's event stream; one per subscribed client, alive as long as the subscription
export const withFilter = (asyncIteratorFn: ResolverFn, filterFn: FilterFn): ResolverFn => {
  return (rootValue: any, args: any, context: any, info: any): AsyncIterator<any> => {
    const asyncIterator = asyncIteratorFn(rootValue, args, context, info);

    const getNextPromise = (): Promise<IteratorResult<any>> => {
      return new Promise<IteratorResult<any>>((resolve, reject) => {
        const inner = () => {
          asyncIterator
            .next()
            .then((payload) => {
              if (payload.done === true) {
                resolve(payload);
                return;
              }
              Promise.resolve(filterFn(payload.value, args, context, info))
                .catch(() => false)
                .then((filterResult) => {
                  if (filterResult === true) {
                    resolve(payload);
                    return;
                  }
                  // skip this event and wait for the next one, without chaining promises
                  inner();
                });
            })
            .catch((err) => reject(err));
        };
        inner();
      });
    };

    return {
      next() {
        return getNextPromise();
      },
      return() {
        return asyncIterator.return!();
      },
      throw(error: any) {
        return asyncIterator.throw!(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    } as AsyncIterator<any>;
  };
};
