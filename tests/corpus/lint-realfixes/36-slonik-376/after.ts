import pg from 'pg';

export const createPool = (connectionUri: string, configuration: { maximumPoolSize: number }) => {
  const pgPool = new pg.Pool({ connectionString: connectionUri, max: configuration.maximumPoolSize });
  return {
    async query(sql: string, values: unknown[]) {
      const client = await pgPool.connect();
      try {
        return await client.query(sql, values);
      } finally {
        client.release();
      }
    },
    async end() {
      await pgPool.end();
    },
  };
};
