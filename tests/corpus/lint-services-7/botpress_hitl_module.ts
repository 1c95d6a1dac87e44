// Botpress v12 module style (modules/hitl, modules/analytics: src/backend/index.ts exports an
// sdk.ModuleEntryPoint with onServerStarted/onServerReady/onBotMount/onBotUnmount/onModuleUnmount;
// api.ts builds a router with bp.http.createRouterForBot; incoming/outgoing middleware registered
// with bp.events.registerMiddleware; a Database class per module; realtime through
// bp.RealTimePayload). `bp` is the global SDK; onBotMount runs once per bot (re)mount.
import * as sdk from 'botpress/sdk';
import _ from 'lodash';
import LRU from 'lru-cache';
import { EventEmitter } from 'events';
import Knex from 'knex';

export type Extended<T> = T & { [k: string]: any };

interface Session { id: string; botId: string; userId: string; paused: boolean; lastEventAt: number }

// ---- src/backend/db.ts ----------------------------------------------------------------------
class HitlDb {
  private sessionCache = new LRU<string, Session>({ max: 1000, maxAge: 30 * 60 * 1000 }); // ok: unbounded-cache
  private knex: sdk.KnexExtended;

  constructor(private bp: typeof sdk) {
    this.knex = bp.database; // ok: resource-per-request
  }

  async getOrCreateSession(botId: string, userId: string): Promise<Session> {
    const key = `${botId}::${userId}`;
    const hit = this.sessionCache.get(key);
    if (hit) return hit;
    let row = await this.knex('hitl_sessions').where({ botId, userId }).first();
    if (!row) {
      const [id] = await this.knex('hitl_sessions').insert({ botId, userId, paused: false, lastEventAt: Date.now() }).returning('id');
      row = { id, botId, userId, paused: false, lastEventAt: Date.now() };
    }
    this.sessionCache.set(key, row); // ok: unbounded-cache
    return row;
  }

  async appendMessage(sessionId: string, event: sdk.IO.Event) {
    await this.knex('hitl_messages').insert({ sessionId, type: event.type, text: event.preview, direction: event.direction });
  }
}

// ---- src/backend/state.ts: module-wide state --------------------------------------------------
const bus = new EventEmitter();
const pausedByBot: { [botId: string]: Set<string> } = {};
const typingTimers = new Map<string, NodeJS.Timeout>();
const botScopedRouters: { [botId: string]: any } = {};
let db: HitlDb;
let onEscalate: ((session: Session) => void) | undefined;

// ---- src/backend/api.ts ------------------------------------------------------------------------
async function setupApi(bp: typeof sdk) {
  const router = bp.http.createRouterForBot('hitl');

  router.post('/sessions/:sessionId/pause', async (req: any, res: any) => {
    const { botId, sessionId } = req.params;
    (pausedByBot[botId] = pausedByBot[botId] || new Set()).add(sessionId); // ok: unbounded-collection
    bus.emit('paused', { botId, sessionId });
    res.sendStatus(200);
  });

  router.post('/sessions/:sessionId/unpause', async (req: any, res: any) => {
    const { botId, sessionId } = req.params;
    pausedByBot[botId] && pausedByBot[botId].delete(sessionId);
    res.sendStatus(200);
  });

  router.get('/sessions/:sessionId/wait', async (req: any, res: any) => {
    const { sessionId } = req.params;
    const onMessage = (m: { sessionId: string }) => {
      if (m.sessionId === sessionId) res.send(m);
    };
    bus.on('message', onMessage); // leak: listener-leak
    req.on('close', () => bus.removeListener('message', onMessage.bind(null))); // ok: listener-leak
  });

  router.post('/sessions/:sessionId/escalate', async (req: any, res: any) => {
    const agentEmail = req.tokenUser && req.tokenUser.email;
    const previous = onEscalate;
    const history = await bp.database('hitl_messages').where({ sessionId: req.params.sessionId });
    onEscalate = (session: Session) => { // leak: closure-capture
      previous && previous(session);
      bp.logger.info(`escalated ${session.id} to ${agentEmail} (${history.length} messages)`);
    };
    res.sendStatus(202);
  });

  router.get('/analytics/export', async (req: any, res: any) => {
    const reporting = Knex({ client: 'pg', connection: process.env.REPORTING_DB_URL }); // leak: resource-per-request
    const rows = await reporting('events').where({ botId: req.params.botId }).limit(1000);
    res.send(rows);
  });

  router.get('/analytics/export-safe', async (req: any, res: any) => {
    const reporting = Knex({ client: 'pg', connection: process.env.REPORTING_DB_URL }); // ok: resource-per-request
    try {
      res.send(await reporting('events').where({ botId: req.params.botId }).limit(1000));
    } finally {
      await reporting.destroy();
    }
  });
}

// ---- src/backend/middleware.ts --------------------------------------------------------------
function registerMiddleware(bp: typeof sdk) {
  bp.events.registerMiddleware({
    name: 'hitl.captureInMessages',
    direction: 'incoming',
    order: 2,
    description: 'Captures incoming messages and pauses the bot when a human took over',
    handler: async (event: sdk.IO.IncomingEvent, next: sdk.IO.MiddlewareNextCallback) => {
      const session = await db.getOrCreateSession(event.botId, event.target);
      await db.appendMessage(session.id, event);
      bus.emit('message', { sessionId: session.id, preview: event.preview });
      const typingKey = `${event.botId}:${event.target}`;
      clearTimeout(typingTimers.get(typingKey));
      typingTimers.set(typingKey, setTimeout(() => typingTimers.delete(typingKey), 5000)); // ok: timer-leak
      if (pausedByBot[event.botId] && pausedByBot[event.botId].has(session.id)) {
        return next(undefined, true, false);
      }
      next();
    },
  });

  bp.events.registerMiddleware({
    name: 'hitl.captureOutMessages',
    direction: 'outgoing',
    order: 50,
    description: 'Captures outgoing messages',
    handler: async (event: sdk.IO.OutgoingEvent, next: sdk.IO.MiddlewareNextCallback) => {
      const session = await db.getOrCreateSession(event.botId, event.target);
      await db.appendMessage(session.id, event);
      (global as any).hitlOutgoing = (global as any).hitlOutgoing || [];
      (global as any).hitlOutgoing.push({ botId: event.botId, target: event.target, payload: event.payload }); // leak: global-growth
      next();
    },
  });
}

// ---- src/backend/index.ts --------------------------------------------------------------------
const onServerStarted = async (bp: typeof sdk) => {
  db = new HitlDb(bp);
  registerMiddleware(bp);
};

const onServerReady = async (bp: typeof sdk) => {
  await setupApi(bp);
};

const onBotMount = async (bp: typeof sdk, botId: string) => {
  const config = await bp.config.getModuleConfigForBot('hitl', botId);
  botScopedRouters[botId] = bp.http.createRouterForBot(`hitl-${botId}`); // ok: unbounded-collection
  const reminder = setInterval(async () => { // leak: timer-leak
    const n = pausedByBot[botId] ? pausedByBot[botId].size : 0;
    if (n) bp.realtime.sendPayload(bp.RealTimePayload.forAdmins('hitl.pending', { botId, n }));
  }, config.reminderInterval || 60000);
  bus.on('paused', (e: { botId: string }) => { // leak: listener-leak
    if (e.botId === botId) bp.logger.forBot(botId).info('conversation paused');
  });
  bp.logger.forBot(botId).debug('hitl mounted', Boolean(reminder));
};

const onBotUnmount = async (bp: typeof sdk, botId: string) => {
  delete pausedByBot[botId];
  delete botScopedRouters[botId];
};

const onModuleUnmount = async (bp: typeof sdk) => {
  bp.events.removeMiddleware('hitl.captureInMessages');
  bp.events.removeMiddleware('hitl.captureOutMessages');
  bp.http.deleteRouterForBot('hitl');
  for (const t of typingTimers.values()) clearTimeout(t);
  typingTimers.clear();
};

const entryPoint: sdk.ModuleEntryPoint = {
  onServerStarted,
  onServerReady,
  onBotMount,
  onBotUnmount,
  onModuleUnmount,
  definition: {
    name: 'hitl',
    menuIcon: 'chat',
    menuText: 'HITL',
    fullName: 'Human in the loop',
    homepage: 'https://botpress.com',
  },
};

export default entryPoint;
