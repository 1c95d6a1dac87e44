// @payloadcms/db-postgres: connect() runs when Payload starts (and again on
// hot reload); connectWithReconnect runs then, for every read replica, and
// again after every ECONNRESET on the client it checked out.
import type { Pool, PoolClient } from 'pg'

type Adapter = { payload: { logger: { info(msg: string): void } } }

const connectWithReconnect = async function ({
  adapter,
  pool,
  reconnect = false,
}: {
  adapter: Adapter
  pool: Pool
  reconnect?: boolean
}) {
  let result: PoolClient | undefined

  if (!reconnect) {
    result = await pool.connect()
  } else {
    try {
      result = await pool.connect()
    } catch (ignore) {
      setTimeout(() => {
        adapter.payload.logger.info('Reconnecting to postgres')
        void connectWithReconnect({ adapter, pool, reconnect: true })
      }, 1000)
    }
  }
  if (!result) {
    return
  }
  result.prependListener('error', (err: Error & { code?: string }) => {
    if (err.code === 'ECONNRESET') {
      void connectWithReconnect({ adapter, pool, reconnect: true })
    }
  })

  // checked out only to verify connectivity and attach the listener: hand it back
  result.release()
}

export async function connect(this: Adapter & { pool?: Pool; pg: { Pool: new (o: object) => Pool }; poolOptions: object }) {
  if (!this.pool) {
    this.pool = new this.pg.Pool(this.poolOptions)
    await connectWithReconnect({ adapter: this, pool: this.pool })
  }
}
