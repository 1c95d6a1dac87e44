import type { Redis } from "ioredis";

export interface Subscriber {
  connect(): Promise<void>;
  subscribe(channel: string, callback: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<unknown>;
}

// One adapter wraps the app's shared subscriber client; subscribe() runs for
// every stream that is created or resumed, unsubscribe() when it finishes.
export function createSubscriberAdapter(client: Redis): Subscriber {
  const handlers: Map<string, (message: string) => void> = new Map();

  // a single listener for the adapter, dispatching by channel
  const messageListener = (channel: string, message: string) => {
    const handler = handlers.get(channel);
    if (handler) {
      handler(message);
    }
  };

  return {
    connect: () => Promise.resolve(),
    subscribe: async (channel: string, callback: (message: string) => void) => {
      if (handlers.size === 0) {
        client.on("message", messageListener);
      }
      handlers.set(channel, callback);
      await client.subscribe(channel);
    },
    unsubscribe: async (channel: string) => {
      handlers.delete(channel);
      if (handlers.size === 0) {
        client.removeListener("message", messageListener);
      }
      return client.unsubscribe(channel);
    },
  };
}
