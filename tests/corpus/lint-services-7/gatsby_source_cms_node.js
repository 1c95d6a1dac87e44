// A Gatsby source plugin's gatsby-node.js in the shape of gatsby-source-contentful /
// gatsby-source-wordpress: exported Node APIs (onPreInit, pluginOptionsSchema, sourceNodes,
// createSchemaCustomization, onCreateNode, createPages, onCreateDevServer). Under `gatsby develop`
// the process lives for the whole session: sourceNodes runs again on every refresh
// (ENABLE_GATSBY_REFRESH_ENDPOINT / preview webhook), onCreateNode once per node per run,
// onCreateDevServer once. async/await, CommonJS exports.
const { EventEmitter } = require(`events`)
const WebSocket = require(`ws`)
const { fetch, Agent } = require(`undici`)
const { LRUCache } = require(`lru-cache`)
const { createRemoteFileNode } = require(`gatsby-source-filesystem`)

const NODE_TYPE = `CmsEntry`
const previewBus = new EventEmitter()
const agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 }) // ok: resource-per-request
const assetCache = new LRUCache({ max: 500 }) // ok: unbounded-cache
const seenEntryIds = []
const syncTokens = new Map()
let transformChain = (entry) => entry
let previewSocket = null

exports.pluginOptionsSchema = ({ Joi }) =>
  Joi.object({
    spaceId: Joi.string().required(),
    accessToken: Joi.string().required(),
    host: Joi.string().default(`http://127.0.0.1:8055`),
    pageLimit: Joi.number().default(100),
  })

exports.onPreInit = ({ reporter }) => {
  reporter.verbose(`gatsby-source-cms: starting`)
  global.__cmsPluginLoadedAt = global.__cmsPluginLoadedAt || Date.now() // ok: global-growth
}

async function fetchPage(host, spaceId, token, syncToken, limit) {
  const url = new URL(`/spaces/${spaceId}/sync`, host)
  if (syncToken) url.searchParams.set(`sync_token`, syncToken)
  url.searchParams.set(`limit`, String(limit))
  const res = await fetch(url, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`CMS sync failed: ${res.status}`)
  return res.json()
}

exports.sourceNodes = async (
  { actions, createNodeId, createContentDigest, reporter, getNodesByType, cache },
  { spaceId, accessToken, host, pageLimit, transform }
) => {
  const { createNode, deleteNode, touchNode } = actions
  const activity = reporter.activityTimer(`sync CMS space ${spaceId}`)
  activity.start()

  getNodesByType(NODE_TYPE).forEach((n) => touchNode(n))

  const entries = []
  let syncToken = syncTokens.get(spaceId) || (await cache.get(`syncToken`))
  let page
  do {
    page = await fetchPage(host, spaceId, accessToken, syncToken, pageLimit)
    for (const item of page.items) entries.push(item) // ok: unbounded-collection
    syncToken = page.nextSyncToken
  } while (page.hasMore)
  syncTokens.set(spaceId, syncToken) // ok: unbounded-collection
  await cache.set(`syncToken`, syncToken)

  if (typeof transform === `function`) {
    const prev = transformChain
    transformChain = (entry) => transform(prev(entry), entries) // leak: closure-capture
  }

  for (const entry of entries) {
    if (entry.deleted) {
      const node = getNodesByType(NODE_TYPE).find((n) => n.entryId === entry.id)
      if (node) deleteNode(node)
      continue
    }
    seenEntryIds.push(entry.id) // leak: unbounded-collection
    const data = transformChain(entry)
    createNode({
      ...data,
      entryId: entry.id,
      id: createNodeId(`${NODE_TYPE}-${entry.id}`),
      parent: null,
      children: [],
      internal: { type: NODE_TYPE, contentDigest: createContentDigest(data) },
    })
  }

  const announce = () => reporter.info(`CMS preview update received for ${spaceId}`)
  previewBus.on(`update`, announce) // leak: listener-leak
  activity.end()
}

exports.createSchemaCustomization = ({ actions }) => {
  actions.createTypes(`
    type ${NODE_TYPE} implements Node {
      title: String
      slug: String!
      body: String
      heroImage: File @link(from: "fields.heroImage")
    }
  `)
}

exports.onCreateNode = async ({ node, actions, createNodeId, getCache, reporter }) => {
  if (node.internal.type !== NODE_TYPE || !node.heroUrl) return
  const cached = assetCache.get(node.heroUrl)
  if (cached) {
    actions.createNodeField({ node, name: `heroImage`, value: cached })
    return
  }
  try {
    const fileNode = await createRemoteFileNode({
      url: node.heroUrl,
      parentNodeId: node.id,
      createNode: actions.createNode,
      createNodeId,
      getCache,
    })
    assetCache.set(node.heroUrl, fileNode.id) // ok: unbounded-cache
    actions.createNodeField({ node, name: `heroImage`, value: fileNode.id })
  } catch (e) {
    reporter.warn(`could not download ${node.heroUrl}: ${e.message}`)
  }
}

exports.createPages = async ({ graphql, actions, reporter }) => {
  const result = await graphql(`{ allCmsEntry { nodes { id slug } } }`)
  if (result.errors) {
    reporter.panicOnBuild(`CMS createPages query failed`, result.errors)
    return
  }
  const slugs = new Set()
  for (const node of result.data.allCmsEntry.nodes) {
    if (slugs.has(node.slug)) continue
    slugs.add(node.slug) // ok: unbounded-collection
    actions.createPage({ path: `/cms/${node.slug}`, component: require.resolve(`./src/templates/entry.js`), context: { id: node.id } })
  }
}

exports.onCreateDevServer = ({ app, reporter }, { host, spaceId }) => {
  previewSocket = new WebSocket(host.replace(/^http/, `ws`) + `/preview/${spaceId}`) // ok: resource-per-request
  previewSocket.on(`message`, (data) => previewBus.emit(`update`, JSON.parse(String(data)))) // ok: listener-leak
  const ping = setInterval(() => previewSocket.readyState === 1 && previewSocket.ping(), 30_000) // ok: timer-leak
  previewSocket.once(`close`, () => clearInterval(ping)) // ok: listener-leak

  app.get(`/__cms/preview-status`, (req, res) => {
    res.json({ connected: previewSocket.readyState === 1, seen: seenEntryIds.length })
  })

  app.get(`/__cms/preview-events`, (req, res) => {
    res.writeHead(200, { 'Content-Type': `text/event-stream` })
    const send = (u) => res.write(`data: ${JSON.stringify(u)}\n\n`)
    previewBus.on(`update`, send) // ok: listener-leak
    req.on(`close`, () => previewBus.off(`update`, send)) // ok: listener-leak
  })

  app.post(`/__cms/refresh-token`, (req, res) => {
    const socket = new WebSocket(host.replace(/^http/, `ws`) + `/token`) // leak: resource-per-request
    socket.on(`message`, (d) => res.json(JSON.parse(String(d)))) // ok: listener-leak
  })

  app.post(`/__cms/watch/:entryId`, (req, res) => {
    const { entryId } = req.params
    const check = setInterval(async () => { // leak: timer-leak
      const r = await fetch(new URL(`/entries/${entryId}`, host), { dispatcher: agent })
      if (r.status === 200) previewBus.emit(`update`, { entryId })
    }, 5000)
    global.__cmsWatches = global.__cmsWatches || {}
    global.__cmsWatches[entryId] = check // leak: global-growth
    res.sendStatus(202)
  })

  reporter.info(`CMS preview endpoints mounted`)
}
