// Channel module in the style of a Botpress v12 module (modules/<name>/src/backend: index.ts
// exporting the sdk.ModuleEntryPoint with onServerStarted / onServerReady / onBotMount /
// onBotUnmount / onModuleUnmount, a per-bot client class kept in a record, bp.events
// registerMiddleware, bp.http.createRouterForBot, bp.realtime, bp.kvs). TypeScript.
import * as sdk from 'botpress/sdk';
import axios, { AxiosInstance } from 'axios';
import { EventEmitter2 } from 'eventemitter2';
import LRU from 'lru-cache';
import { Pool } from 'pg';

const clients: { [botId: string]: WebchatClient } = {};
const typingTimers: { [key: string]: NodeJS.Timer } = {};
const bus = new EventEmitter2({ wildcard: true });

class WebchatClient {
  private http: AxiosInstance;
  private users = new LRU<string, { id: string; name: string }>({ max: 5000, maxAge: 3600_000 }); // ok: unbounded-cache
  private conversations = new Map<string, string[]>();
  private listeners: Array<() => void> = [];
  private refreshTimer?: NodeJS.Timer;

  constructor(private bp: typeof sdk, private botId: string, private config: any) {
    this.http = axios.create({ baseURL: config.apiUrl, timeout: 10000 }); // ok: resource-per-request
  }

  async initialize() {
    const onReply = (event: sdk.IO.Event) => this.forward(event);
    bus.on(`reply.${this.botId}`, onReply); // ok: listener-leak
    this.listeners.push(() => bus.off(`reply.${this.botId}`, onReply)); // ok: unbounded-collection
    this.refreshTimer = setInterval(() => void this.refreshToken(), 50 * 60_000); // ok: timer-leak
  }

  async destroy() {
    for (const off of this.listeners) off();
    this.listeners = [];
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  private async refreshToken() {
    const { data } = await this.http.post('/oauth/refresh', { botId: this.botId });
    this.http.defaults.headers.common.authorization = `Bearer ${data.token}`;
  }

  async getUser(userId: string) {
    let user = this.users.get(userId);
    if (!user) {
      user = (await this.http.get(`/users/${userId}`)).data;
      this.users.set(userId, user!); // ok: unbounded-cache
    }
    return user!;
  }

  async handleIncoming(payload: any) {
    const history = this.conversations.get(payload.conversationId) ?? [];
    history.push(payload.text); // leak: unbounded-collection
    this.conversations.set(payload.conversationId, history);
    await this.bp.events.sendEvent(
      this.bp.IO.Event({ botId: this.botId, channel: 'webchat-plus', direction: 'incoming', type: 'text', target: payload.userId, threadId: payload.conversationId, payload })
    );
  }

  async forward(event: sdk.IO.Event) {
    await this.http.post('/messages', { to: event.target, payload: event.payload });
  }

  showTyping(event: sdk.IO.Event) {
    const key = `${event.botId}:${event.target}`;
    clearTimeout(typingTimers[key] as any);
    typingTimers[key] = setTimeout(() => { // ok: timer-leak
      delete typingTimers[key];
      this.bp.realtime.sendPayload(this.bp.RealTimePayload.forVisitor(event.target, 'webchat.typing', { on: false }));
    }, 1500);
  }
}

const onServerStarted = async (bp: typeof sdk) => {
  bp.events.registerMiddleware({
    name: 'webchat-plus.sendMessages',
    direction: 'outgoing',
    order: 100,
    description: 'Sends messages to the webchat-plus API',
    handler: async (event: sdk.IO.Event, next: sdk.IO.MiddlewareNextCallback) => {
      if (event.channel !== 'webchat-plus') return next(undefined, false, true);
      const client = clients[event.botId];
      if (!client) return next();
      client.showTyping(event);
      bus.emit(`reply.${event.botId}`, event);
      // the delivery receipt listener is added per outgoing message and removed only on receipt
      bus.once(`receipt.${event.id}`, () => bp.logger.forBot(event.botId).debug('delivered')); // leak: listener-leak
      next(undefined, true);
    },
  });
};

const onServerReady = async (bp: typeof sdk) => {
  const router = bp.http.createRouterForBot('webchat-plus', { checkAuthentication: false });

  router.post('/webhook', async (req, res) => {
    const client = clients[req.params.botId];
    if (!client) return res.sendStatus(404);
    await client.handleIncoming(req.body);
    bus.emit(`receipt.${req.body.replyTo}`);
    res.sendStatus(200);
  });

  router.get('/transcript/:conversationId', async (req, res) => {
    // a pool per transcript request to read from the analytics database
    const pool = new Pool({ connectionString: process.env.ANALYTICS_DB_URL }); // leak: resource-per-request
    const { rows } = await pool.query('select * from messages where conversation_id = $1', [req.params.conversationId]);
    res.json(rows);
  });

  router.get('/transcript-safe/:conversationId', async (req, res) => {
    const pool = new Pool({ connectionString: process.env.ANALYTICS_DB_URL, max: 1 }); // ok: resource-per-request
    try {
      const { rows } = await pool.query('select * from messages where conversation_id = $1', [req.params.conversationId]);
      res.json(rows);
    } finally {
      await pool.end();
    }
  });

  router.get('/stream', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const onAny = function (this: any, event: sdk.IO.Event) { res.write(`event: ${this.event}\ndata: ${JSON.stringify(event)}\n\n`); };
    bus.onAny(onAny); // leak: listener-leak
    const keep = setInterval(() => res.write(': keep-alive\n\n'), 25000); // leak: timer-leak
    req.on('close', () => res.end());
  });

  router.post('/broadcast', async (req, res) => {
    // each broadcast records its own formatter on the module-wide process object for debugging
    (process as any).__bpBroadcasts = (process as any).__bpBroadcasts || [];
    (process as any).__bpBroadcasts.push(() => `${req.params.botId}: ${JSON.stringify(req.body)}`); // leak: global-growth
    await bp.kvs.forBot(req.params.botId).set('last-broadcast', req.body, undefined, '1h');
    res.sendStatus(202);
  });
};

const onBotMount = async (bp: typeof sdk, botId: string) => {
  const config = await bp.config.getModuleConfigForBot('webchat-plus', botId);
  if (!config.enabled) return;
  await clients[botId]?.destroy();
  const client = new WebchatClient(bp, botId, config);
  await client.initialize();
  clients[botId] = client; // ok: unbounded-collection
};

const onBotUnmount = async (bp: typeof sdk, botId: string) => {
  await clients[botId]?.destroy();
  delete clients[botId];
};

const onModuleUnmount = async (bp: typeof sdk) => {
  bp.events.removeMiddleware('webchat-plus.sendMessages');
  bp.http.deleteRouterForBot('webchat-plus');
  bus.removeAllListeners();
};

const entryPoint: sdk.ModuleEntryPoint = {
  onServerStarted,
  onServerReady,
  onBotMount,
  onBotUnmount,
  onModuleUnmount,
  definition: { name: 'webchat-plus', menuIcon: 'chat', fullName: 'Webchat Plus', homepage: 'https://botpress.com' },
};

export default entryPoint;
