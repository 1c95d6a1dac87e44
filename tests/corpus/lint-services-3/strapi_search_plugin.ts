import type { Core, UID } from '@strapi/strapi';
import { Client } from '@elastic/elasticsearch';
import { errors } from '@strapi/utils';

const PLUGIN_ID = 'search-sync';

type IndexedEntry = { documentId: string; locale?: string; [key: string]: unknown };

const getService = (strapi: Core.Strapi, name: string) => strapi.plugin(PLUGIN_ID).service(name);

// ---------------------------------------------------------------------------
// server/src/register.ts
// ---------------------------------------------------------------------------
const register = ({ strapi }: { strapi: Core.Strapi }) => {
  const config = strapi.config.get(`plugin::${PLUGIN_ID}`) as { node: string; apiKey: string };
  const client = new Client({ node: config.node, auth: { apiKey: config.apiKey } }); // ok: resource-per-request
  strapi.plugin(PLUGIN_ID).service('client').set(client);
};

// ---------------------------------------------------------------------------
// server/src/bootstrap.ts
// ---------------------------------------------------------------------------
const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.eventHub.on('entry.publish', async ({ uid, entry }: { uid: UID.ContentType; entry: IndexedEntry }) => { // ok: listener-leak
    await getService(strapi, 'indexer').indexEntry(uid, entry);
  });

  strapi.cron.add({ // ok: timer-leak
    searchSyncReconcile: {
      task: async () => getService(strapi, 'indexer').reconcileAll(),
      options: { rule: '0 3 * * *' },
    },
  });
};

const destroy = async ({ strapi }: { strapi: Core.Strapi }) => {
  await getService(strapi, 'client').get()?.close();
};

// ---------------------------------------------------------------------------
// server/src/services/client.ts
// ---------------------------------------------------------------------------
const clientService = () => {
  let client: Client | null = null;
  return {
    set(value: Client) {
      client = value;
    },
    get() {
      return client;
    },
  };
};

// ---------------------------------------------------------------------------
// server/src/services/indexer.ts
// ---------------------------------------------------------------------------
const localizedCache = new Map<string, IndexedEntry | null>();

const indexerService = ({ strapi }: { strapi: Core.Strapi }) => ({
  async getLocalized(uid: UID.ContentType, documentId: string, locale: string) {
    const key = `${uid}:${documentId}:${locale}`;
    if (!localizedCache.has(key)) {
      const entry = await strapi.documents(uid).findOne({ documentId, locale, status: 'published' });
      localizedCache.set(key, entry as IndexedEntry | null); // leak: unbounded-cache
    }
    return localizedCache.get(key);
  },

  async indexEntry(uid: UID.ContentType, entry: IndexedEntry) {
    const client = getService(strapi, 'client').get() as Client;
    await client.index({ index: uid.replace(/[:.]/g, '_'), id: entry.documentId, document: entry });
  },

  async reindexWithCredentials(uid: UID.ContentType, node: string, apiKey: string) {
    const tenantClient = new Client({ node, auth: { apiKey } }); // ok: resource-per-request
    try {
      const entries = await strapi.documents(uid).findMany({ status: 'published', limit: 1000 });
      for (const entry of entries) {
        await tenantClient.index({ index: uid.replace(/[:.]/g, '_'), id: entry.documentId, document: entry });
      }
      return entries.length;
    } finally {
      await tenantClient.close();
    }
  },

  scheduleReindex(uid: UID.ContentType, everyMinutes: number) {
    setInterval(() => void this.reconcile(uid), everyMinutes * 60 * 1000); // leak: timer-leak
  },

  async reconcile(uid: UID.ContentType) {
    const count = await strapi.documents(uid).count({ status: 'published' });
    strapi.log.info(`[${PLUGIN_ID}] ${uid}: ${count} published entries`);
  },

  async reconcileAll() {
    for (const uid of Object.keys(strapi.contentTypes) as UID.ContentType[]) {
      if (uid.startsWith('api::')) await this.reconcile(uid);
    }
  },
});

// ---------------------------------------------------------------------------
// server/src/controllers/admin.ts
// ---------------------------------------------------------------------------
const adminController = ({ strapi }: { strapi: Core.Strapi }) => ({
  async reindex(ctx: any) {
    const { uid } = ctx.params;
    const { node, apiKey, everyMinutes } = ctx.request.body;
    if (!strapi.contentTypes[uid]) {
      throw new errors.NotFoundError(`Unknown content type ${uid}`);
    }
    const count = await getService(strapi, 'indexer').reindexWithCredentials(uid, node, apiKey);
    if (everyMinutes) {
      getService(strapi, 'indexer').scheduleReindex(uid, everyMinutes);
    }
    ctx.body = { data: { count } };
  },

  async waitForPublish(ctx: any) {
    const { documentId } = ctx.params;
    const published = await new Promise<IndexedEntry>((resolve) => {
      strapi.eventHub.on('entry.publish', ({ entry }: { entry: IndexedEntry }) => { // leak: listener-leak
        if (entry.documentId === documentId) resolve(entry);
      });
    });
    ctx.body = { data: published };
  },

  async preview(ctx: any) {
    const { uid, documentId } = ctx.params;
    const locale = ctx.query.locale ?? 'en';
    ctx.body = { data: await getService(strapi, 'indexer').getLocalized(uid, documentId, locale) };
  },

  async previewMany(ctx: any) {
    const { uid } = ctx.params;
    const requested: { documentId: string; locale: string }[] = ctx.request.body.entries ?? [];
    const seen = new Map<string, unknown>();
    for (const { documentId, locale } of requested) {
      if (!seen.has(documentId)) {
        seen.set(documentId, await strapi.documents(uid).findOne({ documentId, locale })); // ok: unbounded-cache
      }
    }
    ctx.body = { data: Array.from(seen.values()) };
  },

  async publishAndIndex(ctx: any) {
    const { uid, documentId } = ctx.params;
    await strapi.db.transaction(async ({ onCommit }) => {
      const { entries } = await strapi.documents(uid).publish({ documentId });
      onCommit(() => getService(strapi, 'indexer').indexEntry(uid, entries[0])); // ok: closure-capture
    });
    ctx.body = { data: { documentId } };
  },
});

export default {
  register,
  bootstrap,
  destroy,
  services: { client: clientService, indexer: indexerService },
  controllers: { admin: adminController },
  routes: {
    admin: {
      type: 'admin',
      routes: [
        { method: 'POST', path: '/reindex/:uid', handler: 'admin.reindex' },
        { method: 'GET', path: '/wait/:documentId', handler: 'admin.waitForPublish' },
        { method: 'GET', path: '/preview/:uid/:documentId', handler: 'admin.preview' },
      ],
    },
  },
};
