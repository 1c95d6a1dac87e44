// A global list emptied only by lifecycle hooks the host runs once (start, stop): between
// them, every request adds an entry.
declare global {
  var __slowQueries: Array<{ sql: string; ms: number }>
}

export default class QueryStatsProvider {
  async ready() {
    globalThis.__slowQueries = []
  }

  async shutdown() {
    globalThis.__slowQueries = []
  }
}

export async function timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now()
  const result = await run()
  globalThis.__slowQueries.push({ sql, ms: Date.now() - started }) // expect: global-collection-growth
  return result
}
