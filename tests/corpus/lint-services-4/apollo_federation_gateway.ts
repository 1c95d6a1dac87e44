import { ApolloServer, ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { expressMiddleware } from '@apollo/server/express4';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloGateway, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource, SupergraphManager } from '@apollo/gateway';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import express from 'express';
import http from 'http';
import https from 'https';
import fs from 'fs';
import crypto from 'crypto';

import { logger } from './logger';
import { fetchSupergraph, SubgraphConfig, loadSubgraphs } from './supergraph';

interface GatewayContext {
  userId?: string;
  authorization?: string;
  clientCert?: string;
  timings: Array<{ service: string; ms: number }>;
}

class AuthenticatedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly agent: https.Agent;
  private readonly persisted = new Map<string, string>();

  constructor(private readonly subgraph: SubgraphConfig) {
    super({ url: subgraph.url });
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 50, ca: subgraph.ca }); // ok: resource-per-request
  }

  willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.userId) request.http?.headers.set('x-user-id', context.userId);

    // persisted operations: remember every query text a client ever sent, by its hash
    if (request.query) {
      const hash = crypto.createHash('sha256').update(request.query).digest('hex');
      if (!this.persisted.has(hash)) this.persisted.set(hash, request.query); // leak: unbounded-cache
      request.http?.headers.set('x-operation-hash', hash);
    }

    // tenants with their own client certificate get a dedicated agent for this call
    if (context.clientCert) {
      const mtls = new https.Agent({ keepAlive: true, cert: context.clientCert, key: fs.readFileSync(this.subgraph.keyPath) }); // leak: resource-per-request
      (request.http as any).agent = mtls;
    } else {
      (request.http as any).agent = this.agent;
    }

    // log the outgoing call: each request wraps the fetcher that the previous request wrapped
    const previousFetcher = this.fetcher;
    const started = Date.now();
    this.fetcher = (async (url: string, init: any) => { // leak: closure-capture
      const res = await previousFetcher(url, init);
      context.timings.push({ service: this.subgraph.name, ms: Date.now() - started }); // ok: unbounded-collection
      return res;
    }) as any;
  }
}

/**
 * Polls the registry for a new supergraph; reloads on demand from the admin route.
 */
class PollingSupergraphManager implements SupergraphManager {
  private timer?: NodeJS.Timeout;
  private update?: (sdl: string) => void;
  private lastHash = '';

  constructor(private readonly intervalMs: number) {}

  async initialize({ update }: { update: (sdl: string) => void }) {
    this.update = update;
    const sdl = await fetchSupergraph();
    this.lastHash = crypto.createHash('sha1').update(sdl).digest('hex');
    this.timer = setInterval(() => this.poll(), this.intervalMs); // ok: timer-leak
    return {
      supergraphSdl: sdl,
      cleanup: async () => {
        if (this.timer) clearInterval(this.timer);
      },
    };
  }

  async poll() {
    const sdl = await fetchSupergraph();
    const hash = crypto.createHash('sha1').update(sdl).digest('hex');
    if (hash !== this.lastHash) {
      this.lastHash = hash;
      this.update?.(sdl);
    }
  }

  // POST /admin/reload: poll now, then faster for a while
  async reloadNow(fastMs: number) {
    await this.poll();
    const fast = setInterval(() => this.poll().catch((e) => logger.warn(e)), fastMs); // leak: timer-leak
    logger.info(`fast polling every ${fastMs}ms`, { fast: !!fast });
  }

  async reloadOnce() {
    await this.poll();
    const settle = setTimeout(() => this.poll().catch((e) => logger.warn(e)), 2_000); // ok: timer-leak
    settle.unref();
  }
}

function schemaWatchPlugin(gateway: ApolloGateway): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart() {
      const unsubscribe = gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => { // ok: listener-leak
        logger.info(`supergraph loaded (${coreSupergraphSdl.length} bytes)`);
      });
      return {
        async serverWillStop() {
          unsubscribe();
        },
      };
    },
    async requestDidStart(requestContext: GraphQLRequestContext<GatewayContext>) {
      // note schema changes that happen while this operation runs
      gateway.onSchemaLoadOrUpdate(() => { // leak: listener-leak
        logger.info(`schema changed during ${requestContext.request.operationName ?? 'anonymous operation'}`);
      });
      const stop = gateway.onSchemaLoadOrUpdate(() => logger.debug('schema changed mid-request')); // ok: listener-leak
      return {
        async willSendResponse() {
          stop();
          const total = requestContext.contextValue.timings.reduce((a, t) => a + t.ms, 0);
          requestContext.response.http.headers.set('server-timing', `subgraphs;dur=${total}`);
        },
      };
    },
  };
}

export async function startGateway(port: number) {
  const app = express();
  const httpServer = http.createServer(app);
  const manager = new PollingSupergraphManager(30_000);
  const subgraphs = await loadSubgraphs();

  const gateway = new ApolloGateway({ // ok: resource-per-request
    supergraphSdl: manager,
    buildService({ name }) {
      const config = subgraphs.find((s) => s.name === name)!;
      return new AuthenticatedDataSource(config); // ok: resource-per-request
    },
  });

  const server = new ApolloServer<GatewayContext>({
    gateway,
    cache: new InMemoryLRUCache({ maxSize: 64 * 1024 * 1024 }), // ok: unbounded-cache
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), schemaWatchPlugin(gateway)],
  });
  await server.start();

  app.post('/admin/reload', async (req, res) => {
    if (req.query.fast) await manager.reloadNow(Number(req.query.fast));
    else await manager.reloadOnce();
    res.json({ ok: true });
  });

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => ({
        userId: req.header('x-user-id') ?? undefined,
        authorization: req.header('authorization') ?? undefined,
        clientCert: req.header('x-client-cert') ?? undefined,
        timings: [],
      }),
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen({ port }, resolve));
  logger.info(`Gateway ready at http://localhost:${port}/graphql`);
  return { server, httpServer };
}
