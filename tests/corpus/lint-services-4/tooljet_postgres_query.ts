import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Knex, knex } from 'knex';
import {
  ConnectionTestResult,
  QueryError,
  QueryResult,
  QueryService,
  getCachedConnection,
  cacheConnection,
} from '@tooljet-plugins/common';

import { DataQuery } from 'src/entities/data_query.entity';
import { DataSource } from 'src/entities/data_source.entity';
import { DataSourcesService } from 'src/services/data_sources.service';
import { SourceOptions, QueryOptions } from './types';

declare global {
  // eslint-disable-next-line no-var
  var CACHED_CONNECTIONS: Record<string, { connection: Knex; updatedAt: Date }>;
}
globalThis.CACHED_CONNECTIONS = globalThis.CACHED_CONNECTIONS || {}; // ok: global-growth

function poolConfig(sourceOptions: SourceOptions): Knex.Config {
  return {
    client: 'pg',
    connection: {
      user: sourceOptions.username,
      host: sourceOptions.host,
      database: sourceOptions.database,
      password: sourceOptions.password,
      port: sourceOptions.port,
      ssl: sourceOptions.ssl_enabled ? { rejectUnauthorized: (sourceOptions.ssl_certificate ?? 'none') !== 'none' } : false,
    },
    pool: { min: 0, max: Number(sourceOptions.connection_limit ?? 10) },
    acquireConnectionTimeout: 10000,
  };
}

export default class PostgresqlQueryService implements QueryService {
  private static cleanups = new Map<string, () => void>();

  async run(
    sourceOptions: SourceOptions,
    queryOptions: QueryOptions,
    dataSourceId: string,
    dataSourceUpdatedAt: string
  ): Promise<QueryResult> {
    const knexInstance = await this.getConnection(sourceOptions, { environmentId: queryOptions.environmentId }, !queryOptions.environmentId, dataSourceId, dataSourceUpdatedAt);
    const timeout = setTimeout(() => Logger.warn(`query on ${dataSourceId} is slow`), 30_000); // ok: timer-leak
    try {
      const result = queryOptions.mode === 'gui'
        ? await this.handleGuiQuery(knexInstance, queryOptions)
        : await knexInstance.raw(queryOptions.query, queryOptions.query_params ?? []);
      const rows = result.rows ?? result;
      const previousCleanup = PostgresqlQueryService.cleanups.get(dataSourceId);
      const summarize = () => `${rows.length} rows from ${dataSourceId}${previousCleanup ? ' (again)' : ''}`;
      Logger.debug(summarize());
      // cleanup hook per data source; it shares a scope with summarize, which holds the rows and
      // the previous cleanup hook, so each run chains onto the last one
      PostgresqlQueryService.cleanups.set(dataSourceId, () => Logger.log(`released ${dataSourceId}`)); // leak: closure-capture
      return { status: 'ok', data: rows };
    } catch (err) {
      throw new QueryError('Query could not be completed', err.message, {});
    } finally {
      clearTimeout(timeout);
    }
  }

  async testConnection(sourceOptions: SourceOptions): Promise<ConnectionTestResult> {
    const knexInstance = knex(poolConfig(sourceOptions)); // ok: resource-per-request
    try {
      await knexInstance.raw('select version();');
      return { status: 'ok' };
    } finally {
      await knexInstance.destroy();
    }
  }

  async listTables(sourceOptions: SourceOptions): Promise<string[]> {
    // metadata browser: one pool per click on "refresh schema"
    const knexInstance = knex(poolConfig(sourceOptions)); // leak: resource-per-request
    const { rows } = await knexInstance.raw(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name"
    );
    return rows.map((r: { table_name: string }) => r.table_name);
  }

  private async handleGuiQuery(knexInstance: Knex, queryOptions: QueryOptions) {
    if (queryOptions.operation !== 'bulk_update_pkey') {
      return { rows: [] };
    }
    const updates: string[] = []; // ok: unbounded-collection
    for (const record of queryOptions.records ?? []) {
      const primaryKeyValue = record[queryOptions.primary_key_column];
      updates.push(knexInstance(queryOptions.table).where(queryOptions.primary_key_column, primaryKeyValue).update(record).toString()); // ok: unbounded-collection
    }
    return knexInstance.transaction(async (trx) => {
      for (const sql of updates) await trx.raw(sql);
      return { rows: updates.map(() => ({ updated: 1 })) };
    });
  }

  async getConnection(
    sourceOptions: SourceOptions,
    options: unknown,
    checkCache: boolean,
    dataSourceId?: string,
    dataSourceUpdatedAt?: string
  ): Promise<Knex> {
    if (checkCache && dataSourceId) {
      let connection = await getCachedConnection(dataSourceId, dataSourceUpdatedAt);
      if (connection) return connection;
      const stale = globalThis.CACHED_CONNECTIONS[dataSourceId];
      if (stale) await stale.connection.destroy();
      connection = knex(poolConfig(sourceOptions)); // ok: resource-per-request
      await cacheConnection(dataSourceId, connection);
      return connection;
    }
    const environmentId = (options as { environmentId?: string } | undefined)?.environmentId;
    if (dataSourceId && environmentId) {
      const hit = globalThis.CACHED_CONNECTIONS[`${dataSourceId}:${environmentId}:${dataSourceUpdatedAt}`];
      if (hit) return hit.connection;
      const connection = knex(poolConfig(sourceOptions)); // ok: resource-per-request
      await cacheConnectionForEnvironment(dataSourceId, environmentId, String(dataSourceUpdatedAt), connection);
      return connection;
    }
    throw new QueryError('Data source not saved', 'a query needs a saved data source', {});
  }
}

/**
 * Cache by environment: the key carries the data source version, so every edit adds a pool.
 */
export async function cacheConnectionForEnvironment(dataSourceId: string, environmentId: string, version: string, connection: Knex) {
  globalThis.CACHED_CONNECTIONS[`${dataSourceId}:${environmentId}:${version}`] = { connection, updatedAt: new Date() }; // leak: global-growth
}

@Injectable()
export class DataQueriesService {
  private readonly logger = new Logger(DataQueriesService.name);
  private readonly parsedOptions = new Map<string, object>();
  private readonly pluginServices = new Map<string, QueryService>();

  constructor(
    @InjectRepository(DataQuery) private readonly dataQueriesRepository: Repository<DataQuery>,
    private readonly dataSourcesService: DataSourcesService
  ) {}

  private pluginFor(kind: string): QueryService {
    let service = this.pluginServices.get(kind);
    if (!service) {
      service = new PostgresqlQueryService(); // ok: resource-per-request
      this.pluginServices.set(kind, service); // ok: unbounded-cache
    }
    return service;
  }

  async runQuery(user: { id: string }, dataQuery: DataQuery, queryOptions: Record<string, unknown>, environmentId: string) {
    const dataSource: DataSource = await this.dataSourcesService.findOne(dataQuery.dataSourceId);
    const sourceOptions = await this.dataSourcesService.parseSourceOptions(dataSource.options, environmentId);

    // resolved options are remembered per query and per set of user-supplied parameters
    const cacheKey = `${dataQuery.id}:${JSON.stringify(queryOptions)}`;
    let parsedQueryOptions = this.parsedOptions.get(cacheKey);
    if (!parsedQueryOptions) {
      parsedQueryOptions = await this.parseQueryOptions(dataQuery.options, queryOptions);
      this.parsedOptions.set(cacheKey, parsedQueryOptions); // leak: unbounded-cache
    }

    const service = this.pluginFor(dataSource.kind);
    const startedAt = Date.now();
    const result = await service.run(sourceOptions, parsedQueryOptions, dataSource.id, dataSource.updatedAt?.toISOString());
    this.logger.log(`query ${dataQuery.id} by ${user.id} ran in ${Date.now() - startedAt}ms`);
    return result;
  }

  private async parseQueryOptions(options: object, queryOptions: Record<string, unknown>) {
    const replaced = JSON.parse(JSON.stringify(options), (_key, value) => {
      if (typeof value === 'string' && value.startsWith('{{') && value.endsWith('}}')) {
        return queryOptions[value.slice(2, -2).trim()] ?? value;
      }
      return value;
    });
    return replaced;
  }
}
