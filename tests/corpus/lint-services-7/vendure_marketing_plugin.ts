// Vendure plugin style (after community plugins such as the Klaviyo and cron plugins: a
// @VendurePlugin with static init(options), a service implementing OnApplicationBootstrap that
// subscribes to EventBus.ofType(...) (RxJS) and pushes work to a JobQueue made with
// jobQueueService.createQueue, a resolver extending the Shop API, ProcessContext to tell server
// from worker). Providers are app-long singletons; resolvers run per GraphQL request; job
// process callbacks run per job.
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import {
  Ctx, EventBus, JobQueue, JobQueueService, Logger, OrderPlacedEvent, OrderStateTransitionEvent,
  PluginCommonModule, ProcessContext, RequestContext, SerializedRequestContext, TransactionalConnection,
  VendurePlugin, CustomerEvent,
} from '@vendure/core';
import { Subscription, filter, debounceTime } from 'rxjs';
import { ApiKeySession, EventsApi, ProfilesApi } from 'klaviyo-api';
import gql from 'graphql-tag';

const loggerCtx = 'MarketingPlugin';
const PLUGIN_OPTIONS = Symbol('MARKETING_PLUGIN_OPTIONS');

export interface MarketingPluginOptions {
  apiKey: string;
  onOrderPlaced?: (order: { code: string; total: number }) => void;
  flushIntervalMs?: number;
}

type EventHandler = (ctx: RequestContext, payload: Record<string, unknown>) => Promise<void>;

@Injectable()
export class MarketingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private queue!: JobQueue<{ ctx: SerializedRequestContext; type: string; payload: Record<string, unknown> }>;
  private readonly subscriptions: Subscription[] = [];
  private readonly profilesApi: ProfilesApi;
  private readonly handlers = new Map<string, EventHandler>();
  private readonly profileIdsByEmail = new Map<string, string>();
  private readonly failedPayloads: Array<Record<string, unknown>> = [];
  private flushTimer?: NodeJS.Timeout;
  private afterPlaced: (code: string) => void = () => undefined;

  constructor(
    private readonly eventBus: EventBus,
    private readonly jobQueueService: JobQueueService,
    private readonly processContext: ProcessContext,
    private readonly connection: TransactionalConnection,
    @Inject(PLUGIN_OPTIONS) private readonly options: MarketingPluginOptions,
  ) {
    this.profilesApi = new ProfilesApi(new ApiKeySession(options.apiKey)); // ok: resource-per-request
    this.handlers.set('order-placed', (ctx, p) => this.sendEvent(ctx, 'Placed Order', p)); // ok: unbounded-collection
    this.handlers.set('customer-registered', (ctx, p) => this.sendEvent(ctx, 'Registered', p)); // ok: unbounded-collection
  }

  async onApplicationBootstrap() {
    this.queue = await this.jobQueueService.createQueue({ // ok: resource-per-request
      name: 'marketing-events',
      process: async (job) => {
        const ctx = RequestContext.deserialize(job.data.ctx);
        const handler = this.handlers.get(job.data.type);
        if (handler) await handler(ctx, job.data.payload);
      },
    });

    this.subscriptions.push( // ok: unbounded-collection
      this.eventBus.ofType(OrderPlacedEvent).subscribe((event) => { // ok: listener-leak
        const payload = { code: event.order.code, total: event.order.totalWithTax };
        this.queue.add({ ctx: event.ctx.serialize(), type: 'order-placed', payload }, { retries: 3 });
        this.options.onOrderPlaced?.(payload);
        this.afterPlaced(event.order.code);
      }),
    );

    this.subscriptions.push( // ok: unbounded-collection
      this.eventBus.ofType(CustomerEvent).pipe(filter((e) => e.type === 'created'), debounceTime(50)).subscribe((event) => { // ok: listener-leak
        this.queue.add({ ctx: event.ctx.serialize(), type: 'customer-registered', payload: { email: event.entity.emailAddress } });
      }),
    );

    if (this.processContext.isWorker) {
      const onPlaced = (code: string) => Logger.verbose(`order ${code} sent`, loggerCtx);
      this.afterPlaced = onPlaced; // ok: closure-capture
      this.flushTimer = setInterval(() => this.retryFailed(), this.options.flushIntervalMs ?? 60_000); // ok: timer-leak
    }
  }

  onApplicationShutdown() {
    this.subscriptions.forEach((s) => s.unsubscribe());
    clearInterval(this.flushTimer);
  }

  watchOrderState(ctx: RequestContext, orderCode: string): Promise<string> {
    return new Promise((resolve) => {
      const sub = this.eventBus.ofType(OrderStateTransitionEvent).subscribe((e) => { // leak: listener-leak
        if (e.order.code === orderCode) resolve(e.toState);
      });
      Logger.debug(`watching ${orderCode} (${sub.closed ? 'closed' : 'open'})`, loggerCtx);
    });
  }

  waitForState(orderCode: string, state: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { sub.unsubscribe(); resolve(false); }, 30_000); // ok: timer-leak
      const sub = this.eventBus.ofType(OrderStateTransitionEvent).subscribe((e) => { // ok: listener-leak
        if (e.order.code === orderCode && e.toState === state) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve(true);
        }
      });
    });
  }

  registerHandler(type: string, handler: EventHandler) {
    this.handlers.set(type, handler); // ok: unbounded-collection
  }

  chainAfterPlaced(ctx: RequestContext, note: string) {
    const prev = this.afterPlaced;
    const channel = ctx.channel;
    this.afterPlaced = (code: string) => { // leak: closure-capture
      prev(code);
      Logger.info(`order ${code} in ${channel.code}: ${note}`, loggerCtx);
    };
  }

  private async profileId(email: string): Promise<string> {
    const known = this.profileIdsByEmail.get(email);
    if (known) return known;
    const res = await this.profilesApi.getProfiles({ filter: `equals(email,"${email}")` });
    const id = res.body.data[0]?.id ?? '';
    this.profileIdsByEmail.set(email, id); // leak: unbounded-cache
    return id;
  }

  private async sendEvent(ctx: RequestContext, metric: string, payload: Record<string, unknown>) {
    const events = new EventsApi(new ApiKeySession(this.options.apiKey)); // leak: resource-per-request
    try {
      const email = String(payload.email ?? ctx.activeUserId ?? '');
      const profile = email ? await this.profileId(email) : undefined;
      await events.createEvent({ data: { type: 'event', attributes: { metric: { name: metric }, properties: payload, profile } } } as any);
    } catch (e: any) {
      this.failedPayloads.push({ metric, payload, error: e?.message }); // leak: unbounded-collection
    }
  }

  private async retryFailed() {
    const batch = this.failedPayloads.slice(0, 50);
    for (const p of batch) Logger.warn(`retrying ${String(p.metric)}`, loggerCtx);
  }
}

const recentProductViews: Array<{ productId: string; user?: unknown; at: number }> = [];

@Resolver()
export class MarketingShopResolver {
  constructor(private readonly marketing: MarketingService) {}

  @Mutation()
  async trackProductView(@Ctx() ctx: RequestContext, @Args() args: { productId: string }) {
    const viewed: string[] = [];
    viewed.push(args.productId); // ok: unbounded-collection
    recentProductViews.push({ productId: args.productId, user: ctx.activeUserId, at: Date.now() }); // leak: unbounded-collection
    return viewed.length;
  }

  @Mutation()
  async subscribeToOrder(@Ctx() ctx: RequestContext, @Args() args: { code: string; note?: string }) {
    if (args.note) this.marketing.chainAfterPlaced(ctx, args.note);
    const state = await this.marketing.waitForState(args.code, 'PaymentSettled');
    return state;
  }

  @Mutation()
  async orderStateNow(@Ctx() ctx: RequestContext, @Args() args: { code: string }) {
    return this.marketing.watchOrderState(ctx, args.code);
  }
}

@VendurePlugin({
  imports: [PluginCommonModule],
  providers: [MarketingService, { provide: PLUGIN_OPTIONS, useFactory: () => MarketingPlugin.options }],
  shopApiExtensions: {
    schema: gql`
      extend type Mutation {
        trackProductView(productId: ID!): Int!
        subscribeToOrder(code: String!, note: String): Boolean!
        orderStateNow(code: String!): String!
      }
    `,
    resolvers: [MarketingShopResolver],
  },
  compatibility: '^2.0.0',
})
export class MarketingPlugin {
  static options: MarketingPluginOptions;

  static init(options: MarketingPluginOptions) {
    this.options = { flushIntervalMs: 60_000, ...options }; // ok: global-growth
    return MarketingPlugin;
  }
}
