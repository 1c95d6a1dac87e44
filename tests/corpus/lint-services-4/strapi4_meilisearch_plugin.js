'use strict'

// server/ of a Strapi v4 search plugin (one file here: services, controller, lifecycle hooks)
const https = require('https')
const { MeiliSearch } = require('meilisearch')
const { LRUCache } = require('lru-cache')

const settingsCache = new LRUCache({ max: 100, ttl: 5 * 60 * 1000 })
const entryPayloads = {}

/* ---------------- services/client.js ---------------- */
const clientService = ({ strapi }) => ({ // ok: closure-capture
  getCredentials() {
    const config = strapi.config.get('plugin.meilisearch') || {}
    return { host: config.host, apiKey: config.apiKey, proxyAgent: config.proxyAgent }
  },

  // a client per call: the SDK keeps no connection of its own
  getClient() {
    const { host, apiKey } = this.getCredentials()
    return new MeiliSearch({ host, apiKey }) // ok: resource-per-request
  },

  // self-hosted instances with a private CA need their own agent
  getClientWithAgent() {
    const { host, apiKey } = this.getCredentials()
    const agent = new https.Agent({ keepAlive: true, ca: strapi.config.get('plugin.meilisearch.ca') }) // leak: resource-per-request
    return new MeiliSearch({ host, apiKey, httpClient: (url, opts) => fetch(url, { ...opts, agent }) })
  },
})

/* ---------------- services/content-type.js ---------------- */
const contentTypeService = ({ strapi }) => ({
  getContentTypeUid({ contentType }) {
    const contentTypes = strapi.contentTypes
    if (Object.keys(contentTypes).includes(contentType)) return contentType
    const match = Object.keys(contentTypes).find((uid) => contentTypes[uid].modelName === contentType)
    return match || contentType
  },

  async getEntries({ contentType, start = 0, limit = 500 }) {
    return strapi.entityService.findMany(contentType, { start, limit, populate: '*', publicationState: 'live' })
  },
})

/* ---------------- services/lifecycle.js ---------------- */
const lifecycleService = ({ strapi }) => {
  const contentTypes = contentTypeService({ strapi })
  const clients = clientService({ strapi })
  const store = strapi.plugin('meilisearch').service('store')

  async function indexEntry(contentTypeUid, entry) {
    const key = `${contentTypeUid}:${entry.id}:${entry.updatedAt}`
    if (!entryPayloads[key]) {
      entryPayloads[key] = { id: entry.id, _contentType: contentTypeUid, ...entry } // leak: unbounded-cache
    }
    const client = store.usesPrivateCa ? clients.getClientWithAgent() : clients.getClient()
    const task = await client.index(store.indexNameFor(contentTypeUid)).addDocuments([entryPayloads[key]])
    strapi.config.set(`plugin.meilisearch.tasks.${task.taskUid}`, { uid: contentTypeUid, id: entry.id, at: Date.now() }) // leak: global-growth
    return task
  }

  return {
    /**
     * Subscribe the content type to all required lifecycles
     */
    async subscribeContentType({ contentType }) {
      const contentTypeUid = contentTypes.getContentTypeUid({ contentType })
      await strapi.db.lifecycles.subscribe({ // leak: listener-leak
        models: [contentTypeUid],
        async afterCreate(event) {
          await indexEntry(contentTypeUid, event.result)
        },
        async afterUpdate(event) {
          await indexEntry(contentTypeUid, event.result)
        },
        async afterDelete(event) {
          await clients.getClient().index(store.indexNameFor(contentTypeUid)).deleteDocument(event.result.id)
        },
      })
      return store.addListenedContentType({ contentType: contentTypeUid })
    },

    async getIndexSettings(contentTypeUid) {
      let settings = settingsCache.get(contentTypeUid)
      if (!settings) {
        settings = await clients.getClient().index(store.indexNameFor(contentTypeUid)).getSettings()
        settingsCache.set(contentTypeUid, settings) // ok: unbounded-cache
      }
      return settings
    },

    async reindex(contentTypeUid) {
      const batch = [] // ok: unbounded-collection
      let start = 0
      for (;;) {
        const entries = await contentTypes.getEntries({ contentType: contentTypeUid, start })
        if (!entries.length) break
        for (const entry of entries) batch.push({ id: entry.id, ...entry }) // ok: unbounded-collection
        start += entries.length
      }
      return clients.getClient().index(store.indexNameFor(contentTypeUid)).addDocumentsInBatches(batch, 1000)
    },
  }
}

/* ---------------- controllers/content-type.js ---------------- */
const contentTypeController = ({ strapi }) => ({
  async addContentType(ctx) {
    const { contentType } = ctx.request.body
    const lifecycle = strapi.plugin('meilisearch').service('lifecycle')
    await lifecycle.subscribeContentType({ contentType })
    const task = await lifecycle.reindex(contentType)
    ctx.body = { data: task }
  },

  async removeContentType(ctx) {
    const { contentType } = ctx.request.params
    await strapi.plugin('meilisearch').service('store').removeListenedContentType({ contentType })
    settingsCache.delete(contentType)
    ctx.body = { data: { removed: contentType } }
  },

  async getSettings(ctx) {
    const settings = await strapi.plugin('meilisearch').service('lifecycle').getIndexSettings(ctx.request.params.contentType)
    ctx.body = { data: settings }
  },
})

/* ---------------- register / bootstrap / destroy ---------------- */
let healthTimer

module.exports = {
  register({ strapi }) {
    strapi.config.set('plugin.meilisearch.registeredAt', Date.now()) // ok: global-growth
  },

  async bootstrap({ strapi }) {
    const store = strapi.plugin('meilisearch').service('store')
    const lifecycle = strapi.plugin('meilisearch').service('lifecycle')
    const listened = await store.getListenedContentTypes()
    for (const contentType of listened) {
      await lifecycle.subscribeContentType({ contentType })
    }
    strapi.config.set('plugin.meilisearch.bootstrapped', listened.length) // ok: global-growth

    healthTimer = setInterval(async () => { // ok: timer-leak
      try {
        await clientService({ strapi }).getClient().health()
      } catch (e) {
        strapi.log.warn(`meilisearch unreachable: ${e.message}`)
      }
    }, 60 * 1000)

    strapi.cron.add({ // ok: timer-leak
      meilisearchNightlyReindex: {
        task: async () => {
          for (const contentType of await store.getListenedContentTypes()) await lifecycle.reindex(contentType)
        },
        options: { rule: '0 3 * * *' },
      },
    })
  },

  destroy() {
    clearInterval(healthTimer)
  },

  services: {
    client: clientService,
    contentType: contentTypeService,
    lifecycle: lifecycleService,
  },

  controllers: {
    contentType: contentTypeController,
  },

  routes: {
    admin: {
      type: 'admin',
      routes: [
        { method: 'POST', path: '/content-type', handler: 'contentType.addContentType', config: { policies: ['admin::isAuthenticatedAdmin'] } },
        { method: 'DELETE', path: '/content-type/:contentType', handler: 'contentType.removeContentType', config: { policies: ['admin::isAuthenticatedAdmin'] } },
        { method: 'GET', path: '/content-type/:contentType/settings', handler: 'contentType.getSettings', config: { policies: ['admin::isAuthenticatedAdmin'] } },
      ],
    },
  },
}
