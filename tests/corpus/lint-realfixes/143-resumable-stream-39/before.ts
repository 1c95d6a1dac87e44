import type { Redis } from "ioredis";

export interface Subscriber {
  connect(): Promise<void>;
  subscribe(channel: string, callback: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<unknown>;
}

// One adapter wraps the app's shared subscriber client; subscribe() runs for
// every stream that is created or resumed, unsubscribe() when it finishes.
export function createSubscriberAdapter(client: Redis): Subscriber {
  const adapter: Subscriber = {
    connect: () => Promise.resolve(),
    subscribe: async function (channel: string, callback: (message: string) => void) {
      client.on("message", (innerChannel: string, message: string) => { // leak: listener-leak
        if (channel === innerChannel) {
          callback(message);
        }
      });
      await client.subscribe(channel);
    },
    unsubscribe: (channel: string) => client.unsubscribe(channel),
  };
  return adapter;
}
