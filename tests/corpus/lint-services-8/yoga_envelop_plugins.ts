// GraphQL Yoga on Node with Envelop plugins, in the style of @envelop/* and @graphql-yoga/plugin-*:
// each plugin is a `useX(options): Plugin` factory returning hooks (onSchemaChange, onRequest,
// onContextBuilding, onParse, onExecute -> onExecuteDone, onSubscribe -> onSubscribeResult -> onNext
// / onEnd, onResponse). Plugins are made once, when createYoga() is called at boot.

import { createServer } from 'node:http'
import { createHash } from 'node:crypto'

import DataLoader from 'dataloader'
import { createLRUCache, createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga'
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql'
import Redis from 'ioredis'
import { Pool } from 'pg'

import { schema } from './schema'
import { tracer } from './telemetry'
import { tenants, type Tenant } from './tenants'

type Ctx = YogaInitialContext & { tenant: Tenant; db: Pool; loaders: ReturnType<typeof makeLoaders> }

const redisSub = new Redis(process.env.REDIS_URL!)

// ---- useDocumentCache: skip parsing for documents we have seen -------------------------------

export function useDocumentCache(): Plugin {
  const parsed = new Map<string, DocumentNode>()
  const validated = createLRUCache<boolean>({ max: 1000, ttl: 3_600_000 })
  return {
    onParse({ params, setParsedDocument }) {
      const source = String(params.source)
      const hit = parsed.get(source)
      if (hit) {
        setParsedDocument(hit)
        return
      }
      return ({ result }) => {
        if (result && !(result instanceof Error)) {
          parsed.set(source, result as DocumentNode) // leak: unbounded-cache
        }
      }
    },
    onValidate({ params }) {
      const key = createHash('sha1').update(params.documentAST.loc?.source.body ?? '').digest('hex')
      if (validated.get(key)) return
      return ({ valid }) => {
        if (valid) validated.set(key, true) // ok: unbounded-cache
      }
    },
  }
}

// ---- useTenantContext: per-request tenant, database and loaders -----------------------------

function makeLoaders(db: Pool) {
  return {
    user: new DataLoader(async (ids: readonly string[]) => {
      const { rows } = await db.query('select * from users where id = any($1)', [ids])
      return ids.map((id) => rows.find((row) => row.id === id) ?? null)
    }),
  }
}

function poolFor(tenant: Tenant) {
  return new Pool({ connectionString: tenant.databaseUrl, max: 4 }) // leak: resource-per-request
}

const sharedPools = new Map(tenants.map((t) => [t.slug, new Pool({ connectionString: t.databaseUrl })])) // ok: resource-per-request

export function useTenantContext(): Plugin<Ctx> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const slug = context.request.headers.get('x-tenant') ?? 'default'
      const tenant = tenants.find((t) => t.slug === slug)
      if (!tenant) throw new Error(`unknown tenant ${slug}`)
      const db = tenant.isolated ? poolFor(tenant) : sharedPools.get(tenant.slug)!
      extendContext({ tenant, db, loaders: makeLoaders(db) }) // ok: resource-per-request
      extendContext({ log: (msg: string) => console.info(`[${slug}] ${msg}`) } as Partial<Ctx>) // ok: closure-capture
    },
    onResponse({ request, response }) {
      response.headers.set('x-tenant', request.headers.get('x-tenant') ?? 'default') // ok: unbounded-collection
    },
  }
}

// ---- useUsageReporting: batches operation stats to the analytics endpoint -------------------

type Report = { operation: string; tenant: string; durationMs: number; errors: number }

export function useUsageReporting(endpoint: string): Plugin<Ctx> {
  let pending: Report[] = []

  const flush = async () => {
    const batch = pending
    const res = await fetch(endpoint, { method: 'POST', body: JSON.stringify(batch) })
    if (res.ok) pending = pending.slice(batch.length)
  }

  setInterval(() => { // ok: timer-leak
    flush().catch(() => {})
  }, 10_000).unref()

  return {
    onExecute({ args }) {
      const started = performance.now()
      return {
        onExecuteDone({ result }) { // ok: closure-capture
          pending.push({ // leak: unbounded-collection
            operation: args.operationName ?? 'anonymous',
            tenant: args.contextValue.tenant.slug,
            durationMs: performance.now() - started,
            errors: 'errors' in result && result.errors ? result.errors.length : 0,
          })
        },
      }
    },
  }
}

// ---- useTraceHeaders: forwards request headers to the exporter ------------------------------

export function useTraceHeaders(): Plugin<Ctx> {
  return {
    onExecute({ args }) {
      const previous = tracer.onFlush
      tracer.onFlush = (spans) => { // leak: closure-capture
        previous(spans)
        for (const span of spans) span.setAttribute('http.user_agent', args.contextValue.request.headers.get('user-agent') ?? '')
      }
    },
  }
}

// ---- useLiveNotifications: Redis pub/sub behind subscriptions --------------------------------

export function useLiveNotifications(): Plugin<Ctx> {
  return {
    onSubscribe({ args }) {
      const channel = `notifications:${args.contextValue.tenant.slug}`
      const seen: string[] = []
      const onMessage = (ch: string, message: string) => {
        if (ch === channel) seen.push(message) // ok: unbounded-collection
      }
      redisSub.on('message', onMessage) // leak: listener-leak
      return {
        onSubscribeResult() {
          return {
            onNext({ result }) {
              const payload = (result as any)?.data?.notifications
              if (payload?.kind === 'complete') redisSub.off('message', onMessage)
            },
          }
        },
      }
    },
  }
}

// ---- useWarmup: pre-compiles hot operations whenever the schema is (re)loaded ----------------

export function useWarmup(operations: string[]): Plugin {
  let warmupTimer: NodeJS.Timeout | undefined
  let statsTimer: NodeJS.Timeout | undefined
  return {
    onSchemaChange({ schema: next }) {
      warmupTimer = setInterval(() => { // leak: timer-leak
        for (const op of operations) compileFor(next, op)
      }, 60_000)

      clearInterval(statsTimer)
      statsTimer = setInterval(() => console.info('types', Object.keys(next.getTypeMap()).length), 300_000) // ok: timer-leak
    },
  }
}

function compileFor(s: GraphQLSchema, op: string) {
  return { schema: s, document: parse(op) }
}

// ---- usePersistedOperations: automatic persisted queries ------------------------------------

declare global {
  var __yogaApq: Record<string, string> | undefined
}

export function usePersistedOperations(): Plugin {
  globalThis.__yogaApq ??= {} // ok: global-growth
  return {
    onParams({ params, setParams }) {
      const hash = (params.extensions as any)?.persistedQuery?.sha256Hash as string | undefined
      if (!hash) return
      if (params.query) {
        globalThis.__yogaApq![hash] = params.query // leak: global-growth
        return
      }
      const query = globalThis.__yogaApq![hash]
      if (!query) throw new Error('PersistedQueryNotFound')
      setParams({ ...params, query })
    },
  }
}

// ---- useExecutionTimeout --------------------------------------------------------------------

export function useExecutionTimeout(ms: number): Plugin<Ctx> {
  return {
    onExecute({ args }) {
      const timer = setTimeout(() => { // ok: timer-leak
        console.warn('slow operation', args.operationName)
      }, ms)
      args.contextValue.request.signal.addEventListener('abort', () => clearTimeout(timer), { once: true }) // ok: listener-leak
      return {
        onExecuteDone() {
          clearTimeout(timer)
        },
      }
    },
  }
}

// ---- server ---------------------------------------------------------------------------------

const yoga = createYoga<Ctx>({
  schema,
  plugins: [
    useDocumentCache(),
    useTenantContext(),
    useUsageReporting(process.env.USAGE_ENDPOINT!),
    useTraceHeaders(),
    useLiveNotifications(),
    useWarmup(['query Home { feed { id } }']),
    usePersistedOperations(),
    useExecutionTimeout(5_000),
  ],
})

const server = createServer(yoga)
server.on('close', () => { // ok: listener-leak
  redisSub.disconnect()
  for (const pool of sharedPools.values()) void pool.end()
})
server.listen(4000)
