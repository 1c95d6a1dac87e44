import pg from 'pg';

export const createPool = (connectionUri: string, configuration: { maximumPoolSize: number }) => {
  const getPgPool = () => {
    return new pg.Pool({ connectionString: connectionUri, max: configuration.maximumPoolSize }); // leak: resource-per-request
  };
  return {
    async query(sql: string, values: unknown[]) {
      const pool = getPgPool();
      const client = await pool.connect();
      try {
        return await client.query(sql, values);
      } finally {
        client.release();
      }
    },
  };
};
