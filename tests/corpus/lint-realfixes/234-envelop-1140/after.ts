// Two files of @envelop/core 1.7 in one: the async-iterator helpers of src/utils.ts and
// the part of src/orchestrator.ts that wraps every GraphQL subscription's result stream
// for plugins with onNext/onEnd hooks. The source stream is usually a PubSub async
// iterator holding a listener on the server's shared pubsub until its return() is called.
import type { ExecutionResult, SubscriptionArgs } from 'graphql';

type AsyncIterableIteratorOrValue<T> = AsyncIterableIterator<T> | T;
type OnNextHook = (payload: { args: SubscriptionArgs; result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => void | Promise<void>;

export function isAsyncIterable<TType>(maybeAsyncIterable: unknown): maybeAsyncIterable is AsyncIterable<TType> {
  return (
    typeof maybeAsyncIterable === 'object' &&
    maybeAsyncIterable != null &&
    typeof (maybeAsyncIterable as any)[Symbol.asyncIterator] === 'function'
  );
}

export function mapAsyncIterator<T, O>(source: AsyncIterable<T>, mapper: (input: T) => Promise<O> | O): AsyncGenerator<O> {
  const iterator = source[Symbol.asyncIterator]();

  async function mapResult(result: IteratorResult<T, O>): Promise<IteratorResult<O>> {
    if (result.done) {
      return result;
    }
    try {
      return { value: await mapper(result.value), done: false };
    } catch (error) {
      try {
        await iterator.return?.();
      } catch (_error) {
        /* ignore error */
      }
      throw error;
    }
  }

  // return() and throw() go straight to the source, even while a next() is pending
  const stream: AsyncGenerator<O> = {
    [Symbol.asyncIterator]() {
      return stream;
    },
    async next() {
      return await mapResult(await iterator.next());
    },
    async return() {
      const promise = iterator.return?.();
      return promise ? await mapResult(await promise) : { value: undefined as any, done: true };
    },
    async throw(error: unknown) {
      const promise = iterator.throw?.();
      if (promise) {
        return await mapResult(await promise);
      }
      throw error;
    },
  };

  return stream;
}

export function finalAsyncIterator<TInput>(source: AsyncIterable<TInput>, onFinal: () => void): AsyncGenerator<TInput> {
  const iterator = source[Symbol.asyncIterator]();
  let isDone = false;
  const stream: AsyncGenerator<TInput> = {
    [Symbol.asyncIterator]() {
      return stream;
    },
    async next() {
      const result = await iterator.next();
      if (result.done && isDone === false) {
        isDone = true;
        onFinal();
      }
      return result;
    },
    async return() {
      const promise = iterator.return?.();
      if (isDone === false) {
        isDone = true;
        onFinal();
      }
      return promise ? await promise : { done: true, value: undefined };
    },
    async throw(error: unknown) {
      const promise = iterator.throw?.();
      if (promise) {
        return await promise;
      }
      throw error;
    },
  };

  return stream;
}

// src/orchestrator.ts, inside the subscribe function built for every subscription operation
export async function customSubscribe(
  subscribeFn: (args: SubscriptionArgs) => Promise<AsyncIterableIteratorOrValue<ExecutionResult>>,
  args: SubscriptionArgs,
  onNextHandler: OnNextHook[],
  onEndHandler: Array<() => void>
): Promise<AsyncIterableIteratorOrValue<ExecutionResult>> {
  let result: AsyncIterableIteratorOrValue<ExecutionResult> = await subscribeFn(args);

  if (onNextHandler.length && isAsyncIterable(result)) {
    result = mapAsyncIterator(result, async result => {
      for (const onNext of onNextHandler) {
        await onNext({
          args,
          result,
          setResult: newResult => (result = newResult),
        });
      }
      return result;
    });
  }
  if (onEndHandler.length && isAsyncIterable(result)) {
    result = finalAsyncIterator(result, () => {
      for (const onEnd of onEndHandler) {
        onEnd();
      }
    });
  }

  return result;
}
