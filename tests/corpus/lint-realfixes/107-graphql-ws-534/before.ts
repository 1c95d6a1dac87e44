// graphql-ws server: one context per WebSocket connection; each Subscribe
// message starts a GraphQL subscription, an async iterator that usually
// holds a listener on a shared pub/sub (Redis, an EventEmitter...).
import { parse, subscribe, execute, getOperationAST, type ExecutionArgs, type GraphQLSchema } from 'graphql';

interface Context {
  subscriptions: Record<string, AsyncGenerator<unknown> | AsyncIterable<unknown> | null>;
}

interface Socket {
  send(data: string): Promise<void>;
  onMessage(cb: (data: string) => Promise<void>): void;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

function isAsyncGenerator(v: unknown): v is AsyncGenerator<unknown> {
  return isAsyncIterable(v) && typeof (v as AsyncGenerator<unknown>).return === 'function';
}

export function makeServer(schema: GraphQLSchema, context: (ctx: Context) => Promise<unknown>) {
  return {
    opened(socket: Socket) {
      const ctx: Context = { subscriptions: {} };

      socket.onMessage(async (data) => {
        const message = JSON.parse(data) as { id: string; type: string; payload: { query: string } };
        if (message.type === 'subscribe') {
          const id = message.id;
          // Reserve the id while the operation is prepared.
          ctx.subscriptions[id] = null;
          try {
            const args: ExecutionArgs = { schema, document: parse(message.payload.query) };
            args.contextValue = await context(ctx);
            const op = getOperationAST(args.document);
            const result = op?.operation === 'subscription' ? await subscribe(args) : await execute(args);

            if (isAsyncIterable(result)) {
              if (!(id in ctx.subscriptions)) {
                // Completed or cancelled while the operation was being set up.
                if (isAsyncGenerator(result)) await result.return(undefined);
              } else {
                // If the socket closed while the operation was being set up,
                // the reservation is still here: the subscription starts on a
                // dead connection and nothing will ever return it.
                ctx.subscriptions[id] = result; // leak: resource-per-request
                for await (const value of result) {
                  await socket.send(JSON.stringify({ id, type: 'next', payload: value }));
                }
              }
            } else if (id in ctx.subscriptions) {
              await socket.send(JSON.stringify({ id, type: 'next', payload: result }));
            }
          } finally {
            delete ctx.subscriptions[id];
          }
        } else if (message.type === 'complete') {
          const sub = ctx.subscriptions[message.id];
          delete ctx.subscriptions[message.id];
          if (isAsyncGenerator(sub)) await sub.return(undefined);
        }
      });

      // Called when the socket closes.
      return async () => {
        for (const sub of Object.values(ctx.subscriptions)) {
          if (isAsyncGenerator(sub)) await sub.return(undefined);
        }
      };
    },
  };
}
