// Mozilla Monitor (blurts-server): breach data is read through a Redis cache.
// getAllBreachesFromDb() runs for page renders and API requests.
import { Redis, type RedisOptions } from 'ioredis';
import MockRedis from 'ioredis-mock';

import { getAllBreaches, type BreachRow } from '../db/tables/breaches';
import { logger } from '../app/functions/server/logging';

export const REDIS_ALL_BREACHES_KEY = 'breaches';
export const BREACHES_EXPIRY_SECONDS = 3600 * 12;

// src/db/redis/util.ts
export function createRedisInstance(): Redis {
  const options: RedisOptions = {
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(times * 200, 1000),
  };
  return new Redis(options);
}

// src/db/redis/client.ts: meant to be a singleton, but the stored client is
// never read back, so every call opens another connection and drops the
// previous one without closing it.
let singleton: Redis;
export const redisClient = () => {
  if (process.env.REDIS_URL?.includes('redis.mock')) {
    singleton = new MockRedis();
  } else {
    singleton = createRedisInstance(); // leak: resource-per-request
  }
  return singleton;
};

// src/utils/hibp.ts: read-through cache of all breaches.
export async function getAllBreachesFromDb(): Promise<BreachRow[]> {
  const rClient = redisClient();
  try {
    const cached = JSON.parse((await rClient.get(REDIS_ALL_BREACHES_KEY)) || '[]') as BreachRow[];
    if (cached.length > 0) {
      return cached;
    }
    const rows = await getAllBreaches();
    await rClient.set(REDIS_ALL_BREACHES_KEY, JSON.stringify(rows), 'EX', BREACHES_EXPIRY_SECONDS);
    return rows;
  } catch (e) {
    logger.error('get_all_breaches_from_db', { exception: String(e) });
    return [];
  }
}
