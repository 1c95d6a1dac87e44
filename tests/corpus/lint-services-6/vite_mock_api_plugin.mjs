// Dev-server plugin in the style of a Vite plugin (configureServer(server) with
// server.middlewares, server.watcher (chokidar), server.ws for HMR custom events,
// handleHotUpdate, closeBundle/buildEnd). ESM, factory function returning the plugin object.
import fs from 'node:fs/promises'
import path from 'node:path'
import { WebSocketServer } from 'ws'
import chokidar from 'chokidar'
import { build } from 'esbuild'
import pg from 'pg'

const PREFIX = '/__mock'

// compiled handler modules by file, replaced on every change of that file
const compiled = new Map()
// request log for the overlay; trimmed below
const requestLog = []
const MAX_LOG = 500

export default function mockApiPlugin(options = {}) {
  const dir = options.dir ?? 'mock'
  let root = process.cwd()
  let server
  let pool
  let statsTimer
  const sockets = new Set()
  const fileWatchers = []
  const history = []

  async function compile(file) {
    const out = await build({ entryPoints: [file], bundle: true, write: false, format: 'esm', platform: 'node' })
    const code = out.outputFiles[0].text
    const url = 'data:text/javascript;base64,' + Buffer.from(code).toString('base64')
    // every recompilation imports a new data: URL module; the ESM loader keeps each one forever
    const mod = await import(url) // leak: unbounded-cache
    compiled.set(file, mod.default) // ok: unbounded-cache
    return mod.default
  }

  function logRequest(req, status) {
    requestLog.push({ url: req.url, method: req.method, status, at: Date.now() }) // ok: unbounded-collection
    if (requestLog.length > MAX_LOG) requestLog.splice(0, requestLog.length - MAX_LOG)
  }

  return {
    name: 'vite-plugin-mock-api',
    apply: 'serve',

    configResolved(config) {
      root = config.root
    },

    async configureServer(devServer) {
      server = devServer
      pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 }) // ok: resource-per-request

      const watcher = chokidar.watch(path.join(root, dir), { ignoreInitial: true }) // ok: resource-per-request
      fileWatchers.push(watcher) // ok: unbounded-collection
      watcher.on('change', async (file) => { // ok: listener-leak
        await compile(file)
        history.push({ file, at: Date.now() }) // leak: unbounded-collection
        server.ws.send({ type: 'custom', event: 'mock:changed', data: { file } })
      })

      // the overlay opens its own ws per browser tab
      const wss = new WebSocketServer({ noServer: true })
      server.httpServer?.on('upgrade', (req, socket, head) => { // ok: listener-leak
        if (req.url !== PREFIX + '/ws') return
        wss.handleUpgrade(req, socket, head, (ws) => {
          sockets.add(ws) // ok: unbounded-collection
          ws.on('close', () => sockets.delete(ws)) // ok: listener-leak
          // each tab subscribes to file changes on the shared watcher and never unsubscribes
          watcher.on('all', (event, file) => ws.send(JSON.stringify({ event, file }))) // leak: listener-leak
        })
      })

      statsTimer = setInterval(() => { // ok: timer-leak
        for (const ws of sockets) ws.send(JSON.stringify({ type: 'stats', total: requestLog.length }))
      }, 5000)
      server.httpServer?.once('close', () => { // ok: listener-leak
        clearInterval(statsTimer)
        wss.close()
        pool.end()
        for (const w of fileWatchers) w.close()
      })

      server.middlewares.use(async (req, res, next) => {
        if (!req.url?.startsWith(PREFIX)) return next()
        const name = req.url.slice(PREFIX.length + 1).split('?')[0]
        const file = path.join(root, dir, name + '.js')
        let handler = compiled.get(file)
        if (!handler) handler = await compile(file)

        if (req.headers.accept === 'text/event-stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' })
          const beat = setInterval(() => res.write(': ping\n\n'), 15000) // leak: timer-leak
          server.ws.on('mock:push', (data) => res.write(`data: ${JSON.stringify(data)}\n\n`)) // leak: listener-leak
          req.on('close', () => res.end())
          return
        }

        if (name.startsWith('db/')) {
          const client = await pool.connect() // leak: resource-per-request
          const { rows } = await client.query('select * from ' + JSON.stringify(name.slice(3)))
          if (!rows.length) {
            res.statusCode = 404
            return res.end()
          }
          client.release()
          res.setHeader('content-type', 'application/json')
          return res.end(JSON.stringify(rows))
        }

        if (name.startsWith('tx/')) {
          const client = await pool.connect() // ok: resource-per-request
          try {
            await client.query('begin')
            const body = await handler(req)
            await client.query('commit')
            res.end(JSON.stringify(body))
          } catch (err) {
            await client.query('rollback')
            next(err)
          } finally {
            client.release()
          }
          return
        }

        const ctrl = new AbortController()
        const timeout = setTimeout(() => ctrl.abort(), 10000) // ok: timer-leak
        try {
          const body = await handler(req, { signal: ctrl.signal })
          logRequest(req, 200)
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(body))
        } catch (err) {
          logRequest(req, 500)
          next(err)
        } finally {
          clearTimeout(timeout)
        }
      })
    },

    async handleHotUpdate(ctx) {
      if (!ctx.file.includes(path.sep + dir + path.sep)) return
      // a fresh watcher per hot update to follow the file's imports; never closed
      const deps = chokidar.watch(ctx.file) // leak: resource-per-request
      deps.on('unlink', () => compiled.delete(ctx.file)) // ok: listener-leak
      const source = await ctx.read()
      const imports = [...source.matchAll(/from '(.+?)'/g)].map((m) => m[1]) // ok: unbounded-collection
      if (imports.length) ctx.server.ws.send({ type: 'full-reload' })
      return []
    },

    transform(code, id) {
      if (!id.endsWith('?mock-meta')) return
      globalThis.__mockMeta ??= {}
      globalThis.__mockMeta[id] = code.length // leak: global-growth
      return `export default ${JSON.stringify({ id, size: code.length })}`
    },

    buildEnd() {
      globalThis.__mockPluginVersion = '1.4.0' // ok: global-growth
    },

    async closeBundle() {
      await fs.rm(path.join(root, 'node_modules/.mock'), { recursive: true, force: true })
    },
  }
}

// a tiny helper the handlers import: memoises JSON fixtures by absolute path
const fixtures = new Map()
export async function fixture(file) {
  if (fixtures.has(file)) return fixtures.get(file)
  const data = JSON.parse(await fs.readFile(file, 'utf8'))
  if (fixtures.size > 100) fixtures.delete(fixtures.keys().next().value)
  fixtures.set(file, data) // ok: unbounded-cache
  return data
}

// handlers call this to register a cleanup; the callback chain grows on each call
let onReset = () => {}
export function whenReset(fn, payload) {
  const prev = onReset
  onReset = () => { prev(); fn(payload) } // leak: closure-capture
}
