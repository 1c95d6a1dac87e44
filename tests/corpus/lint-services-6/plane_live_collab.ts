// Collaboration server in the style of Plane's live server (apps/live: an express app with
// express-ws, a Hocuspocus server built in a factory with Database/Logger/Redis extensions,
// onAuthenticate calling the Django API with the session cookie, fetch/store of page
// descriptions as binary Yjs updates). TypeScript, ESM, a class around the server.
import express, { type Request } from 'express';
import expressWs from 'express-ws';
import { Server as Hocuspocus, type Extension, type onAuthenticatePayload } from '@hocuspocus/server';
import { Database } from '@hocuspocus/extension-database';
import { Redis as RedisExtension } from '@hocuspocus/extension-redis';
import { Redis } from 'ioredis';
import axios, { type AxiosInstance } from 'axios';
import * as Y from 'yjs';
import { EventEmitter } from 'node:events';

const API_BASE = process.env.API_BASE_URL ?? 'http://127.0.0.1:8000';

// ---- core/services/page.service.ts
class PageService {
  // one axios instance for the process
  private static http: AxiosInstance = axios.create({ baseURL: API_BASE, timeout: 15000 }); // ok: resource-per-request

  async fetchDescriptionBinary(workspace: string, projectId: string, pageId: string, cookie: string) {
    const res = await PageService.http.get(`/api/workspaces/${workspace}/projects/${projectId}/pages/${pageId}/description/`, {
      headers: { cookie },
      responseType: 'arraybuffer',
    });
    return new Uint8Array(res.data);
  }

  async updateDescription(workspace: string, projectId: string, pageId: string, data: unknown, cookie: string) {
    // a client per save, with its own keep-alive agent
    const http = axios.create({ baseURL: API_BASE, httpAgent: new (await import('node:http')).Agent({ keepAlive: true }) }); // leak: resource-per-request
    await http.patch(`/api/workspaces/${workspace}/projects/${projectId}/pages/${pageId}/description/`, data, { headers: { cookie } });
  }
}

// ---- core/lib/authentication.ts
const userCache = new Map<string, { id: string; at: number }>();

async function handleAuthentication({ connection, requestHeaders, token }: onAuthenticatePayload) {
  const cookie = String(requestHeaders.cookie ?? '');
  const cached = userCache.get(cookie);
  if (cached && Date.now() - cached.at < 60_000) return { user: { id: cached.id } };
  const res = await axios.get(`${API_BASE}/api/users/me/`, { headers: { cookie } });
  if (res.data.id !== token) throw new Error('authentication failed');
  userCache.set(cookie, { id: res.data.id, at: Date.now() }); // leak: unbounded-cache
  connection.readOnly = false;
  return { user: { id: res.data.id } };
}

// ---- core/extensions/index.ts
const pageService = new PageService();
export const documentEvents = new EventEmitter();

// hooks other code can add to run after every store; each call wraps the previous hook
let afterStore: (name: string) => void = () => {};
export function addAfterStore(hook: (name: string) => void) {
  const previous = afterStore;
  afterStore = (name) => { previous(name); hook(name); }; // leak: closure-capture
}

function getExtensions(redisUrl?: string): Extension[] {
  const extensions: Extension[] = [
    new Database({
      fetch: async ({ context, documentName, requestParameters }) => {
        const { workspaceSlug, projectId } = Object.fromEntries(requestParameters.entries());
        return pageService.fetchDescriptionBinary(workspaceSlug, projectId, documentName, context.cookie);
      },
      store: async ({ context, state, documentName, requestParameters }) => {
        const { workspaceSlug, projectId } = Object.fromEntries(requestParameters.entries());
        await pageService.updateDescription(workspaceSlug, projectId, documentName, { description_binary: Buffer.from(state).toString('base64') }, context.cookie);
        afterStore(documentName);
      },
    }),
  ];
  if (redisUrl) {
    const redis = new Redis(redisUrl); // ok: resource-per-request
    redis.once('ready', () => console.log('redis ready')); // ok: listener-leak
    extensions.push(new RedisExtension({ redis })); // ok: unbounded-collection
  }
  return extensions;
}

// ---- core/hocuspocus-server.ts
export class LiveServer {
  private app = express();
  private hocuspocus: Hocuspocus;
  private docTimers = new Map<string, NodeJS.Timeout>();
  private snapshotTimer?: NodeJS.Timeout;
  // names of documents ever loaded, for the metrics endpoint
  private loadedNames: string[] = [];
  // per-document awareness handlers kept so they can be removed on unload
  private awarenessHandlers = new Map<string, () => void>();

  constructor(private readonly port: number) {
    expressWs(this.app);
    this.hocuspocus = new Hocuspocus({
      name: 'plane-live',
      extensions: getExtensions(process.env.REDIS_URL),
      onAuthenticate: handleAuthentication,
      onLoadDocument: async ({ documentName, document }) => {
        this.loadedNames.push(documentName); // leak: unbounded-collection
        const onAwareness = () => documentEvents.emit('awareness', documentName);
        document.awareness.on('update', onAwareness); // ok: listener-leak
        this.awarenessHandlers.set(documentName, onAwareness); // ok: unbounded-collection
        // the outline sidebar listens for every change on the process-wide emitter
        documentEvents.on('outline', (name: string) => { // leak: listener-leak
          if (name === documentName) document.broadcastStateless('outline');
        });
        const autosave = setInterval(() => void this.hocuspocus.hooks('onStoreDocument', { documentName, document }), 30_000); // leak: timer-leak
        return document;
      },
      afterUnloadDocument: async ({ documentName }) => {
        this.awarenessHandlers.delete(documentName);
        const t = this.docTimers.get(documentName);
        if (t) clearTimeout(t);
        this.docTimers.delete(documentName);
      },
      onChange: async ({ documentName }) => {
        const old = this.docTimers.get(documentName);
        if (old) clearTimeout(old);
        this.docTimers.set(documentName, setTimeout(() => { // ok: unbounded-collection
          this.docTimers.delete(documentName);
          documentEvents.emit('changed', documentName);
        }, 2000));
      },
      onDisconnect: async ({ documentName, clientsCount }) => {
        if (clientsCount === 0) documentEvents.emit('idle', documentName);
      },
    });
  }

  private routes() {
    this.app.get('/health', (_req, res) => res.json({ ok: true, loaded: this.loadedNames.length }));
    (this.app as any).ws('/collaboration', (ws: any, req: Request) => {
      this.hocuspocus.handleConnection(ws, req);
    });
    (this.app as any).ws('/presence', (ws: any) => {
      const onIdle = (name: string) => ws.send(JSON.stringify({ idle: name }));
      documentEvents.on('idle', onIdle); // ok: listener-leak
      ws.on('close', () => documentEvents.off('idle', onIdle)); // ok: listener-leak
    });
    this.app.post('/convert-document', express.json({ limit: '10mb' }), (req, res) => {
      const doc = new Y.Doc(); // ok: resource-per-request
      try {
        Y.applyUpdate(doc, Buffer.from(req.body.description_binary, 'base64'));
        res.json({ html: doc.getXmlFragment('default').toString() });
      } finally {
        doc.destroy();
      }
    });
    this.app.post('/snapshot', express.json(), (req, res) => {
      // remembers the raw request body per page so the later diff route can compare
      const previous = (globalThis as any).__planeSnapshots?.[req.body.page] as ((b: unknown) => unknown) | undefined;
      (globalThis as any).__planeSnapshots ??= {};
      (globalThis as any).__planeSnapshots[req.body.page] = (b: unknown) => [previous?.(b), req.body]; // leak: closure-capture
      res.json({ ok: true });
    });
  }

  async start() {
    this.routes();
    this.snapshotTimer = setInterval(() => documentEvents.emit('tick'), 60_000); // ok: timer-leak
    const server = this.app.listen(this.port, '127.0.0.1');
    process.once('SIGTERM', () => void this.stop(server)); // ok: listener-leak
  }

  async stop(server: import('node:http').Server) {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    for (const t of this.docTimers.values()) clearTimeout(t);
    await this.hocuspocus.destroy();
    server.close();
  }
}
