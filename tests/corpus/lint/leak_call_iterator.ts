// An async iterator that wraps another (a PubSub subscription) but does not pass `return()`
// on: when the client unsubscribes, the inner iterator's listener stays on the shared PubSub
// (issue 11, mode 3).
export function mapEvents<T, U>(inner: AsyncIterator<T>, map: (value: T) => U): AsyncIterator<U> {
  return {
    async next() {
      const step = await inner.next();
      return step.done ? step : { done: false, value: map(step.value) };
    },
    async return() {
      return { done: true, value: undefined }; // expect: listener-not-removed
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterator<U>;
}
