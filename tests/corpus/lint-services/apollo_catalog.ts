// Apollo Server catalog API: resolvers with per-request context and DataLoader (TS, ESM).
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import DataLoader from 'dataloader';
import { PubSub } from 'graphql-subscriptions';
import { MongoClient } from 'mongodb';

const mongo = new MongoClient(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017'); // ok: resource-per-request
const db = mongo.db('catalog');
const pubsub = new PubSub();

const slowQueries: Array<() => string> = [];
const searchMemo = new Map<string, Promise<unknown[]>>();
const resolvedLoaders = new WeakMap<object, DataLoader<string, unknown>>();

interface Context {
  user?: { id: string };
  token: string;
  loaders: { product: DataLoader<string, unknown> };
}

function productLoader(ctx: object): DataLoader<string, unknown> {
  let loader = resolvedLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const docs = await db.collection('products').find({ _id: { $in: ids as string[] } }).toArray();
      return ids.map((id) => docs.find((d) => String(d._id) === id) ?? null);
    });
    resolvedLoaders.set(ctx, loader); // ok: unbounded-cache
  }
  return loader;
}

const typeDefs = `#graphql
  type Product { id: ID!, name: String!, price: Float! }
  type Query { product(id: ID!): Product, search(q: String!): [Product!]! }
  type Mutation { rate(id: ID!, stars: Int!): Boolean }
  type Subscription { priceChanged(id: ID!): Product }
`;

const resolvers = {
  Query: {
    product: (_: unknown, args: { id: string }, context: Context) => productLoader(context).load(args.id),
    search: async (_: unknown, args: { q: string }, context: Context, info: unknown) => {
      const started = Date.now();
      let pending = searchMemo.get(args.q);
      if (!pending) {
        pending = db.collection('products').find({ $text: { $search: args.q } }).limit(50).toArray();
        searchMemo.set(args.q, pending); // leak: unbounded-cache
      }
      const result = await pending;
      if (Date.now() - started > 500) {
        slowQueries.push(() => `${args.q} by ${context.user?.id} ${JSON.stringify(info)}`); // leak: closure-capture, unbounded-collection
      }
      return result;
    },
  },
  Mutation: {
    rate: async (_: unknown, args: { id: string; stars: number }, context: Context) => {
      const client = new MongoClient(process.env.MONGO_URL ?? ''); // leak: resource-per-request
      await client.connect();
      await client.db('catalog').collection('ratings').insertOne({ ...args, user: context.user?.id });
      return true;
    },
  },
  Subscription: {
    priceChanged: {
      subscribe: (_: unknown, args: { id: string }) => pubsub.asyncIterator(`PRICE_${args.id}`),
    },
  },
};

const server = new ApolloServer({ typeDefs, resolvers });

const { url } = await startStandaloneServer(server, {
  context: async ({ req }) => ({
    token: req.headers.authorization ?? '',
    loaders: { product: productLoader(req) },
  }),
  listen: { port: Number(process.env.PORT ?? 4001) },
});

console.log(`catalog ready at ${url}`);
