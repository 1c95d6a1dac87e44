// Architect (arc.codes) Lambda handlers in the shape of its examples: one ESM file per route
// under src/http/*, `arc.http(middleware..., handler)` wrapping, `arc.tables()` for DynamoDB,
// `arc.events.publish`, shared code in @architect/shared. On a warm container the module stays
// loaded between invocations, so module-level state survives every request of that container.
import arc from '@architect/functions'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses'
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs'
import { LRUCache } from 'lru-cache'
import crypto from 'node:crypto'

// ---- src/shared/clients.mjs: one client per container ---------------------------------------
const ses = new SESClient({}) // ok: resource-per-request
const dynamo = new DynamoDBClient({ maxAttempts: 3 }) // ok: resource-per-request
let tablesPromise
function tables () {
  tablesPromise ??= arc.tables() // ok: resource-per-request
  return tablesPromise
}

// ---- src/shared/middleware.mjs ----------------------------------------------------------
const sessionCache = new LRUCache({ max: 5000, ttl: 5 * 60 * 1000 }) // ok: unbounded-cache
const seenRequestIds = new Set()
globalThis.arcMetrics ??= { counts: {}, slow: [] }
globalThis.arcHandlersWrapped ??= []

async function auth (req) {
  const token = (req.headers.authorization || '').replace(/^Bearer /, '')
  if (!token) return { statusCode: 401, json: { error: 'no token' } }
  let session = sessionCache.get(token)
  if (!session) {
    const data = await tables()
    session = await data.sessions.get({ token })
    if (!session) return { statusCode: 401, json: { error: 'bad token' } }
    sessionCache.set(token, session) // ok: unbounded-cache
  }
  req.session = session
}

function timing (name) {
  return async function (req) {
    req.startedAt = Date.now()
    globalThis.arcMetrics.counts[name] = (globalThis.arcMetrics.counts[name] || 0) + 1 // ok: global-growth
  }
}

function dedupe (req) {
  const id = req.requestContext && req.requestContext.requestId
  seenRequestIds.add(id) // leak: unbounded-collection
}

function withSlowLog (handler) {
  const wrapped = async (req, ...rest) => {
    const res = await handler(req, ...rest)
    const ms = Date.now() - (req.startedAt || Date.now())
    if (ms > 1000) globalThis.arcMetrics.slow.push({ path: req.rawPath, ms, body: req.body }) // leak: global-growth
    return res
  }
  return wrapped
}

// ---- src/http/get-notes/index.mjs -------------------------------------------------------
async function listNotes (req) {
  const data = await tables()
  const result = await data.notes.query({
    KeyConditionExpression: 'owner = :o',
    ExpressionAttributeValues: { ':o': req.session.userId },
    Limit: 50
  })
  const items = []
  for (const n of result.Items) items.push({ id: n.id, title: n.title }) // ok: unbounded-collection
  return { json: { notes: items } }
}
export const getNotes = arc.http(timing('get-notes'), auth, dedupe, withSlowLog(listNotes))

// ---- src/http/post-notes/index.mjs ------------------------------------------------------
async function createNote (req) {
  const data = await tables()
  const note = { id: crypto.randomUUID(), owner: req.session.userId, title: req.body.title, body: req.body.body }
  await data.notes.put(note)
  await arc.events.publish({ name: 'note-created', payload: { id: note.id, owner: note.owner } })
  return { statusCode: 201, json: note }
}
export const postNotes = arc.http(timing('post-notes'), auth, withSlowLog(createNote))

// ---- src/http/post-share/index.mjs ------------------------------------------------------
const shareLinks = {}
async function share (req) {
  const link = crypto.randomBytes(12).toString('base64url')
  shareLinks[link] = { noteId: req.body.noteId, by: req.session.userId, at: Date.now() } // leak: unbounded-cache
  const queue = new SQSClient({}) // leak: resource-per-request
  await queue.send(new SendMessageCommand({ QueueUrl: process.env.SHARE_QUEUE_URL, MessageBody: link }))
  return { json: { link } }
}
export const postShare = arc.http(timing('post-share'), auth, share)

// ---- src/http/post-invite/index.mjs -----------------------------------------------------
async function invite (req) {
  const mail = new SESClient({ region: req.body.region || process.env.AWS_REGION }) // ok: resource-per-request
  try {
    await mail.send(new SendEmailCommand({
      Source: 'noreply@example.invalid',
      Destination: { ToAddresses: [req.body.email] },
      Message: { Subject: { Data: 'Invite' }, Body: { Text: { Data: 'You are invited' } } }
    }))
  } finally {
    mail.destroy()
  }
  return { statusCode: 202 }
}
export const postInvite = arc.http(timing('post-invite'), auth, invite)

// ---- src/http/get-export/index.mjs ------------------------------------------------------
let onFlush = null
async function exportNotes (req) {
  const data = await tables()
  const all = await data.notes.scan({})
  const previousFlush = onFlush
  onFlush = () => { // leak: closure-capture
    if (previousFlush) previousFlush()
    console.log(`export of ${all.Items.length} notes for ${req.session.userId} flushed`)
  }
  const keepWarm = setInterval(() => dynamo.config.region(), 60_000) // leak: timer-leak
  return { json: { count: all.Items.length }, keepWarm: Boolean(keepWarm) }
}
export const getExport = arc.http(timing('get-export'), auth, exportNotes)

// ---- src/http/get-poll/index.mjs: waits for a short while, always clears ----------------
async function poll (req) {
  const data = await tables()
  const found = await new Promise((resolve) => {
    let tries = 0
    const t = setInterval(async () => { // ok: timer-leak
      tries++
      const n = await data.notes.get({ id: req.params.id })
      if (n || tries > 5) { clearInterval(t); resolve(n || null) }
    }, 300)
  })
  return { json: { found: Boolean(found) } }
}
export const getPoll = arc.http(auth, poll)

// ---- src/events/note-created/index.mjs --------------------------------------------------
async function noteCreated (event) {
  globalThis.arcHandlersWrapped.push({ event: 'note-created', id: event.id }) // leak: global-growth
  const data = await tables()
  await data.counters.update({
    Key: { owner: event.owner },
    UpdateExpression: 'ADD notes :one',
    ExpressionAttributeValues: { ':one': 1 }
  })
}
export const onNoteCreated = arc.events.subscribe(noteCreated)

// ---- src/scheduled/cleanup/index.mjs ----------------------------------------------------
export async function cleanup () {
  for (const [link, entry] of Object.entries(shareLinks)) {
    if (Date.now() - entry.at > 86400000) delete shareLinks[link]
  }
  globalThis.arcMetrics.slow.length = 0
  return { ok: true }
}
