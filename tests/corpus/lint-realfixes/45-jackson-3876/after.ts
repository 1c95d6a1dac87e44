import * as metrics from '../opentelemetry/metrics';
import type { DatabaseDriver, EncryptionKey, RequiredLogger, Storable } from '../typings';
import * as store from './store';

const STATS_INTERVAL = 60 * 1000;

class DB implements DatabaseDriver {
  private db: DatabaseDriver;
  private encryptionKey: EncryptionKey;
  private statsIntervalId: NodeJS.Timeout;
  private logger: RequiredLogger;

  constructor(db: DatabaseDriver, encryptionKey: EncryptionKey, logger: RequiredLogger) {
    this.db = db;
    this.encryptionKey = encryptionKey;
    this.logger = logger;
    this.statsIntervalId = setInterval(async () => this.publishStats(), STATS_INTERVAL);
  }

  async get(namespace: string, key: string): Promise<unknown> {
    return this.db.get(namespace, key);
  }

  async close(): Promise<void> {
    await this.db.close();
    clearInterval(this.statsIntervalId);
    this.publishStats();
  }

  getStats(): Record<string, any> {
    return this.db.getStats();
  }

  store(namespace: string, ttl = 0): Storable {
    return store.new(namespace, this, ttl);
  }

  private publishStats() {
    try {
      const stats = this.getStats();
      if (stats.applicationName && stats.total >= 0) {
        metrics.gauge('dbTotalConnections', stats.total, { db_name: stats.applicationName });
      }
      if (stats.applicationName && stats.idle >= 0) {
        metrics.gauge('dbIdleConnections', stats.idle, { db_name: stats.applicationName });
      }
    } catch (err) {
      this.logger.error(`error getting db stats: ${err}`);
    }
  }
}

export const newDB = async (driver: DatabaseDriver, key: EncryptionKey, logger: RequiredLogger) => {
  return new DB(driver, key, logger);
};
