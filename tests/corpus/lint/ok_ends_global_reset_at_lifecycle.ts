// The same global list, emptied by a method the file itself runs on a timer.
declare global {
  var __slowQueries: Array<{ sql: string; ms: number }>
}

export default class QueryStatsProvider {
  private flusher?: NodeJS.Timeout

  async ready() {
    globalThis.__slowQueries = []
    this.flusher = setInterval(() => this.flush(), 60_000)
  }

  flush() {
    globalThis.__slowQueries = []
  }

  async shutdown() {
    clearInterval(this.flusher)
  }
}

export async function timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now()
  const result = await run()
  globalThis.__slowQueries.push({ sql, ms: Date.now() - started })
  return result
}
