// Look-alike of leak_call_iterator.ts: `return()` ends the inner iterator too.
export function mapEvents<T, U>(inner: AsyncIterator<T>, map: (value: T) => U): AsyncIterator<U> {
  return {
    async next() {
      const step = await inner.next();
      return step.done ? step : { done: false, value: map(step.value) };
    },
    async return() {
      await inner.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterator<U>;
}

export function countdown(from: number): AsyncIterator<number> {
  let n = from;
  return {
    async next() {
      return n > 0 ? { done: false, value: n-- } : { done: true, value: undefined };
    },
    async return() {
      n = 0;
      return { done: true, value: undefined };
    },
  };
}
