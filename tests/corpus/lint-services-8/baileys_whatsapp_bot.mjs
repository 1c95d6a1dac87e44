// Baileys WhatsApp bot style (after Baileys' Example/example.ts and the bots built on it:
// startSock() makes a socket with makeWASocket, binds sock.ev handlers for connection.update /
// creds.update / messages.upsert, and calls itself again when the connection closes for any
// reason but loggedOut; a global `db` object persisted to JSON; commands dispatched by prefix).
// ESM without semicolons.

import { EventEmitter } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'

import makeWASocket, {
  DisconnectReason,
  fetchLatestBaileysVersion,
  makeCacheableSignalKeyStore,
  useMultiFileAuthState,
} from '@whiskeysockets/baileys'
import NodeCache from 'node-cache'
import pino from 'pino'
import { createClient } from 'redis'

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' })
const PREFIX = '!'

const bus = new EventEmitter() // admin broadcasts from the web panel
const msgRetryCounterCache = new NodeCache({ stdTTL: 600 })
const groupCache = new NodeCache({ stdTTL: 300, useClones: false })
const sentMessages = new Map()
const spamLog = []
const cooldowns = new Map()
const metrics = createClient({ url: process.env.REDIS_URL }) // ok: resource-per-request
await metrics.connect()

global.db ??= JSON.parse(await readFile('./database.json', 'utf8').catch(() => '{"users":{},"groups":{}}')) // ok: global-growth

async function counterClient () {
  const client = createClient({ url: process.env.REDIS_URL }) // leak: resource-per-request
  await client.connect()
  return client
}

function waitForReaction (sock, key, ms = 30_000) {
  return new Promise((resolve) => {
    const onReaction = (reactions) => {
      const hit = reactions.find((r) => r.key.id === key.id)
      if (hit) done(hit.reaction.text)
    }
    const timer = setTimeout(() => done(null), ms) // ok: timer-leak
    const done = (value) => {
      clearTimeout(timer)
      sock.ev.off('messages.reaction', onReaction)
      resolve(value)
    }
    sock.ev.on('messages.reaction', onReaction) // ok: listener-leak
  })
}

async function handleCommand (sock, msg, text) {
  const jid = msg.key.remoteJid
  const sender = msg.key.participant ?? jid
  const [command, ...args] = text.slice(PREFIX.length).trim().split(/\s+/)

  const until = cooldowns.get(sender)
  if (until && until > Date.now()) return
  cooldowns.set(sender, Date.now() + 3000) // ok: unbounded-collection
  setTimeout(() => cooldowns.delete(sender), 3000) // ok: timer-leak

  switch (command) {
    case 'register': {
      global.db.users[sender] = { name: args.join(' ') || msg.pushName, registeredAt: Date.now(), xp: 0 } // leak: global-growth
      await sock.sendMessage(jid, { text: 'Registered ✅' }, { quoted: msg })
      break
    }
    case 'count': {
      const client = await counterClient()
      const n = await client.incr(`count:${jid}`)
      await sock.sendMessage(jid, { text: `Count: ${n}` })
      break
    }
    case 'poll': {
      const sent = await sock.sendMessage(jid, { text: `${args.join(' ')}\nReact 👍 or 👎` })
      const reaction = await waitForReaction(sock, sent.key)
      await sock.sendMessage(jid, { text: reaction ? `Got ${reaction}` : 'No answer' })
      break
    }
    case 'confirm': {
      const sent = await sock.sendMessage(jid, { text: 'Reply with a reaction to confirm' })
      sock.ev.on('messages.update', (updates) => { // leak: listener-leak
        for (const { key, update } of updates) {
          if (key.id === sent.key.id && update.status === 4) {
            sock.sendMessage(jid, { text: `Seen by ${sender}` }).catch(() => {})
          }
        }
      })
      break
    }
    case 'group': {
      let meta = groupCache.get(jid)
      if (!meta) {
        meta = await sock.groupMetadata(jid)
        groupCache.set(jid, meta) // ok: unbounded-cache
      }
      await sock.sendMessage(jid, { text: `${meta.subject}: ${meta.participants.length} members` })
      break
    }
    default:
      await sock.sendMessage(jid, { text: `Unknown command ${command}` })
  }
}

async function startSock () {
  const { state, saveCreds } = await useMultiFileAuthState('baileys_auth_info')
  const { version } = await fetchLatestBaileysVersion()

  const sock = makeWASocket({
    version,
    logger,
    auth: { creds: state.creds, keys: makeCacheableSignalKeyStore(state.keys, logger) },
    msgRetryCounterCache,
    cachedGroupMetadata: async (jid) => groupCache.get(jid), // ok: closure-capture
    getMessage: async (key) => sentMessages.get(key.id)?.message, // ok: closure-capture
  })

  sock.ev.on('creds.update', saveCreds) // ok: listener-leak

  bus.on('broadcast', async (text) => { // leak: listener-leak
    for (const jid of Object.keys(global.db.groups)) await sock.sendMessage(jid, { text })
  })

  setInterval(() => { // leak: timer-leak
    sock.sendPresenceUpdate('available').catch(() => {})
  }, 60_000)

  const flushDb = setInterval(() => { // ok: timer-leak
    writeFile('./database.json', JSON.stringify(global.db)).catch((err) => logger.error(err))
  }, 30_000)

  sock.ev.on('connection.update', (update) => { // ok: listener-leak
    const { connection, lastDisconnect } = update
    if (connection === 'close') {
      clearInterval(flushDb)
      const status = lastDisconnect?.error?.output?.statusCode
      if (status !== DisconnectReason.loggedOut) startSock()
      else logger.warn('Connection closed. You are logged out.')
    }
  })

  sock.ev.on('messages.upsert', async ({ messages, type }) => { // ok: listener-leak
    if (type !== 'notify') return
    for (const msg of messages) {
      if (!msg.message || msg.key.fromMe) {
        if (msg.key.fromMe) sentMessages.set(msg.key.id, msg) // leak: unbounded-cache
        continue
      }
      const text = msg.message.conversation ?? msg.message.extendedTextMessage?.text ?? ''
      spamLog.push({ jid: msg.key.remoteJid, at: Date.now() }) // leak: unbounded-collection
      await metrics.hIncrBy('stats', 'messages', 1)
      if (text.startsWith(PREFIX)) await handleCommand(sock, msg, text)
    }
  })

  return sock
}

process.once('SIGINT', async () => { // ok: listener-leak
  await writeFile('./database.json', JSON.stringify(global.db))
  await metrics.quit()
  process.exit(0)
})

startSock()

export { bus, startSock }
