// Source plugin in the style of a Gatsby source plugin's gatsby-node.js (sourceNodes with
// actions.createNode and createContentDigest, onCreateDevServer adding express routes and a
// webhook refresh, onPreInit/onPostBootstrap, a plugin-level cache via the `cache` API,
// preview polling in develop). CommonJS, exports.X = async (...) style.
const WebSocket = require("ws")
const fetch = require("node-fetch")
const { Agent } = require("http")
const crypto = require("crypto")
const { EventEmitter } = require("events")

const NODE_TYPE = "CmsEntry"
const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 }) // ok: resource-per-request
const changes = new EventEmitter()

// entries by id as last seen, used to diff webhook payloads; entries are removed on delete
const lastSeen = new Map()
// every webhook body ever received, for the debug page
const webhookBodies = []
// transform functions per content type, composed as plugins register them
const transforms = {}

let previewSocket
let previewTimer

function registerTransform(type, fn) {
  const before = transforms[type]
  transforms[type] = before ? (entry) => fn(before(entry)) : fn // leak: closure-capture
}

function setTransform(type, fn) {
  transforms[type] = (entry) => fn(entry) // ok: closure-capture
}

async function fetchEntries(options, since) {
  const res = await fetch(`${options.apiUrl}/entries?since=${since || 0}`, { agent: keepAlive, headers: { authorization: `Bearer ${options.token}` } })
  return res.json()
}

exports.onPreInit = ({ reporter }) => {
  global.__cmsPluginLoaded = true // ok: global-growth
  reporter.verbose("cms source plugin ready")
}

exports.onPluginInit = (_, options) => {
  for (const t of options.transforms || []) setTransform(t.type, require(t.module))
}

exports.sourceNodes = async ({ actions, createNodeId, createContentDigest, cache, reporter }, options) => {
  const { createNode, deleteNode, touchNode } = actions
  const since = await cache.get("cms-last-fetch")
  const entries = await fetchEntries(options, since)

  for (const raw of entries.items) {
    const entry = transforms[raw.type] ? transforms[raw.type](raw) : raw
    if (entry.deleted) {
      const old = lastSeen.get(entry.id)
      if (old) deleteNode(old)
      lastSeen.delete(entry.id)
      continue
    }
    const node = {
      ...entry,
      id: createNodeId(`${NODE_TYPE}-${entry.id}`),
      internal: { type: NODE_TYPE, contentDigest: createContentDigest(entry) },
    }
    createNode(node)
    lastSeen.set(entry.id, node) // ok: unbounded-collection
  }
  for (const node of lastSeen.values()) touchNode(node)
  await cache.set("cms-last-fetch", entries.now) // ok: unbounded-cache
  reporter.info(`cms: ${entries.items.length} entries`)

  // each sourceNodes run (every refresh in develop) opens a socket to the preview API
  if (process.env.gatsby_executing_command === "develop" && options.previewUrl) {
    const socket = new WebSocket(options.previewUrl) // leak: resource-per-request
    socket.on("message", (data) => changes.emit("preview", JSON.parse(data))) // ok: listener-leak
  }
}

exports.onCreateDevServer = ({ app, actions, reporter }, options) => {
  // one preview socket for the dev server's life; replaced on reconnect
  const connect = () => {
    previewSocket = new WebSocket(options.previewUrl) // ok: resource-per-request
    previewSocket.once("close", () => setTimeout(connect, 5000)) // ok: listener-leak
  }
  if (options.previewUrl) connect()

  clearInterval(previewTimer)
  previewTimer = setInterval(() => changes.emit("tick"), options.pollInterval || 10000) // ok: timer-leak

  app.post("/__cms/webhook", require("express").json(), async (req, res) => {
    webhookBodies.push(req.body) // leak: unbounded-collection
    const signature = crypto.createHmac("sha256", options.secret).update(JSON.stringify(req.body)).digest("hex")
    if (signature !== req.headers["x-cms-signature"]) return res.status(401).end()
    await fetch("http://127.0.0.1:8000/__refresh", { method: "POST" })
    res.json({ ok: true })
  })

  app.get("/__cms/preview-events", (req, res) => {
    res.set({ "content-type": "text/event-stream", "cache-control": "no-cache" })
    const onPreview = (msg) => res.write(`data: ${JSON.stringify(msg)}\n\n`)
    changes.on("preview", onPreview) // leak: listener-leak
    const ping = setInterval(() => res.write(": ping\n\n"), 20000) // ok: timer-leak
    req.on("close", () => clearInterval(ping))
  })

  app.get("/__cms/preview-events-v2", (req, res) => {
    res.set({ "content-type": "text/event-stream" })
    const onPreview = (msg) => res.write(`data: ${JSON.stringify(msg)}\n\n`)
    changes.on("preview", onPreview) // ok: listener-leak
    const onTick = () => res.write(": tick\n\n")
    changes.on("tick", onTick) // ok: listener-leak
    res.on("close", () => {
      changes.off("preview", onPreview)
      changes.off("tick", onTick)
    })
  })

  app.get("/__cms/debug", (req, res) => {
    global.__cmsDebugHits = (global.__cmsDebugHits || 0) + 1 // ok: global-growth
    res.json({ bodies: webhookBodies.length, seen: lastSeen.size })
  })

  app.get("/__cms/entry/:id", async (req, res) => {
    const entry = await fetchEntries(options, 0).then((r) => r.items.find((i) => i.id === req.params.id))
    global.__cmsEntryViews = global.__cmsEntryViews || {}
    global.__cmsEntryViews[req.params.id] = entry // leak: global-growth
    res.json(entry || null)
  })

  app.get("/__cms/watch/:id", (req, res) => {
    // polls the entry every few seconds so the page can show drafts; never stopped
    setInterval(async () => { // leak: timer-leak
      const data = await fetchEntries(options, Date.now() - 60000)
      changes.emit("preview", data.items.filter((i) => i.id === req.params.id))
    }, 5000)
    res.status(202).end()
  })

  app.post("/__cms/transform/:type", require("express").json(), (req, res) => {
    registerTransform(req.params.type, (entry) => ({ ...entry, ...req.body }))
    res.status(204).end()
  })

  reporter.info("cms dev routes mounted")
}

exports.onCreatePage = ({ page, actions }) => {
  const ids = [] // ok: unbounded-collection
  for (const e of lastSeen.keys()) if (page.path.includes(e)) ids.push(e) // ok: unbounded-collection
  if (ids.length) actions.createPage({ ...page, context: { ...page.context, cmsIds: ids } })
}

exports.onPostBootstrap = ({ reporter }) => {
  global.__cmsBootstrapped = Date.now() // ok: global-growth
  reporter.verbose(`bootstrap done with ${lastSeen.size} entries`)
}
