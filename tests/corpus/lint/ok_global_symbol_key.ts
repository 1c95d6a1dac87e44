// One client per process, parked on the global object under constant keys so that hot reload
// finds it again: setting a named global is not growth.
import { DB_KEY } from './keys';

const POOL = Symbol.for('app.pool');

export function getDb(): Db {
  const existing = (global as any)[DB_KEY];
  if (existing) return existing;
  const db = connect(process.env.DATABASE_URL);
  global[DB_KEY] = db;
  return db;
}

export function getPool(): Pool {
  if (!globalThis[POOL]) globalThis[POOL] = createPool({ max: 10 });
  return globalThis[POOL];
}
