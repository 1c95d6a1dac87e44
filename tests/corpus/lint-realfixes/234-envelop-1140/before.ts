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

export async function* mapAsyncIterator<TInput, TOutput = TInput>(
  asyncIterable: AsyncIterable<TInput>,
  map: (input: TInput) => Promise<TOutput> | TOutput
): AsyncIterableIterator<TOutput> {
  for await (const value of asyncIterable) { // leak: resource-per-request
    yield map(value);
  }
}

export async function* finalAsyncIterator<TInput>(
  asyncIterable: AsyncIterable<TInput>,
  onFinal: () => void
): AsyncIterableIterator<TInput> {
  try {
    yield* asyncIterable;
  } finally {
    onFinal();
  }
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
