import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';

import { EntitySchema, Repository } from 'typeorm';
import { isDefined } from 'twenty-shared/utils';

import { TwentyConfigService } from 'src/engine/core-modules/twenty-config/twenty-config.service';
import { Workspace } from 'src/engine/core-modules/workspace/workspace.entity';
import { DataSourceService } from 'src/engine/metadata-modules/data-source/data-source.service';
import { WorkspaceCacheStorageService } from 'src/engine/workspace-cache-storage/workspace-cache-storage.service';
import { WorkspaceDataSource } from 'src/engine/twenty-orm/datasource/workspace.datasource';
import { EntitySchemaFactory } from 'src/engine/twenty-orm/factories/entity-schema.factory';
import { Process } from 'src/engine/core-modules/message-queue/decorators/process.decorator';
import { Processor } from 'src/engine/core-modules/message-queue/decorators/processor.decorator';
import { MessageQueue } from 'src/engine/core-modules/message-queue/message-queue.constants';

export class DataSourceStorage {
  private static readonly dataSources: Map<string, WorkspaceDataSource> = new Map();

  public static getDataSource(key: string): WorkspaceDataSource | undefined {
    return this.dataSources.get(key);
  }

  public static setDataSource(key: string, dataSource: WorkspaceDataSource): void {
    // drop every older version of this workspace's data source before keeping the new one
    const workspaceId = key.split('-')[0];
    for (const [dataSourceKey, existing] of this.dataSources.entries()) {
      if (dataSourceKey.startsWith(`${workspaceId}-`) && dataSourceKey !== key) {
        existing.destroy();
        this.dataSources.delete(dataSourceKey);
      }
    }
    this.dataSources.set(key, dataSource); // ok: unbounded-cache
  }

  public static async destroyAll(): Promise<void> {
    for (const dataSource of this.dataSources.values()) await dataSource.destroy();
    this.dataSources.clear();
  }
}

export class EntitySchemaStorage {
  private static readonly schemas: Map<string, EntitySchema[]> = new Map();

  public static get(workspaceId: string, metadataVersion: number) {
    return this.schemas.get(`${workspaceId}-${metadataVersion}`);
  }

  public static set(workspaceId: string, metadataVersion: number, entitySchemas: EntitySchema[]) {
    // a new entry per metadata version; older versions are never dropped
    this.schemas.set(`${workspaceId}-${metadataVersion}`, entitySchemas); // leak: unbounded-cache
  }
}

@Injectable()
export class WorkspaceDatasourceFactory implements OnModuleDestroy {
  private readonly logger = new Logger(WorkspaceDatasourceFactory.name);
  private readonly pending = new Map<string, Promise<WorkspaceDataSource>>();
  private versionPoll?: NodeJS.Timeout;

  constructor(
    private readonly dataSourceService: DataSourceService,
    private readonly twentyConfigService: TwentyConfigService,
    private readonly workspaceCacheStorageService: WorkspaceCacheStorageService,
    private readonly entitySchemaFactory: EntitySchemaFactory,
    private readonly eventEmitter: EventEmitter2,
  ) {}

  public async create(workspaceId: string, workspaceMetadataVersion: number | null): Promise<WorkspaceDataSource> {
    const metadataVersion = workspaceMetadataVersion ?? (await this.workspaceCacheStorageService.getMetadataVersion(workspaceId));
    if (!isDefined(metadataVersion)) {
      throw new Error(`Metadata version not found for workspace ${workspaceId}`);
    }
    const key = `${workspaceId}-${metadataVersion}`;
    const cached = DataSourceStorage.getDataSource(key);
    if (cached) return cached;

    // one creation at a time per key; the promise is removed whichever way it settles
    let creation = this.pending.get(key);
    if (!creation) {
      creation = this.build(workspaceId, metadataVersion).finally(() => this.pending.delete(key));
      this.pending.set(key, creation); // ok: unbounded-collection
    }
    return creation;
  }

  private async build(workspaceId: string, metadataVersion: number) {
    const dataSourceMetadata = await this.dataSourceService.getLastDataSourceMetadataFromWorkspaceId(workspaceId);
    let entitySchemas = EntitySchemaStorage.get(workspaceId, metadataVersion);
    if (!entitySchemas) {
      const objectMetadataMaps = await this.workspaceCacheStorageService.getObjectMetadataMaps(workspaceId, metadataVersion);
      entitySchemas = await Promise.all(
        Object.values(objectMetadataMaps.byId).map((objectMetadata) =>
          this.entitySchemaFactory.create(workspaceId, metadataVersion, objectMetadata, objectMetadataMaps),
        ),
      );
      EntitySchemaStorage.set(workspaceId, metadataVersion, entitySchemas);
    }
    const workspaceDataSource = new WorkspaceDataSource( // ok: resource-per-request
      { workspaceId, objectMetadataMaps: {} },
      {
        url: dataSourceMetadata?.url ?? this.twentyConfigService.get('PG_DATABASE_URL'),
        type: 'postgres',
        logging: this.twentyConfigService.get('NODE_ENV') === 'development' ? ['query', 'error'] : ['error'],
        schema: dataSourceMetadata?.schema,
        entities: entitySchemas,
        ssl: this.twentyConfigService.get('PG_SSL_ALLOW_SELF_SIGNED') ? { rejectUnauthorized: false } : undefined,
      },
    );
    await workspaceDataSource.initialize();
    DataSourceStorage.setDataSource(`${workspaceId}-${metadataVersion}`, workspaceDataSource);
    return workspaceDataSource;
  }

  // called by the admin "warm up" endpoint for one workspace at a time
  public async warmUp(workspaceId: string) {
    await this.create(workspaceId, null);
    this.versionPoll = setInterval(() => { // leak: timer-leak
      this.workspaceCacheStorageService.getMetadataVersion(workspaceId)
        .then((version) => this.create(workspaceId, version))
        .catch((error) => this.logger.error(error));
    }, 60_000);
  }

  @OnEvent('workspace.deleted') // ok: listener-leak
  async handleWorkspaceDeleted(payload: { workspaceId: string }) {
    for (const key of this.pending.keys()) {
      if (key.startsWith(`${payload.workspaceId}-`)) this.pending.delete(key);
    }
  }

  async onModuleDestroy() {
    if (this.versionPoll) clearInterval(this.versionPoll);
    await DataSourceStorage.destroyAll();
  }
}

export type SyncWorkspaceMetadataJobData = { workspaceId: string; dryRun?: boolean };

@Processor(MessageQueue.workspaceQueue)
export class SyncWorkspaceMetadataJob {
  private readonly logger = new Logger(SyncWorkspaceMetadataJob.name);

  constructor(
    @InjectRepository(Workspace, 'core') private readonly workspaceRepository: Repository<Workspace>,
    private readonly workspaceDatasourceFactory: WorkspaceDatasourceFactory,
    private readonly workspaceCacheStorageService: WorkspaceCacheStorageService,
    private readonly eventEmitter: EventEmitter2,
  ) {}

  @Process(SyncWorkspaceMetadataJob.name)
  async handle(data: SyncWorkspaceMetadataJobData): Promise<void> {
    const workspace = await this.workspaceRepository.findOneByOrFail({ id: data.workspaceId });
    const started = Date.now();

    // log each object the sync touches; the listener stays on the app-wide emitter after the job
    this.eventEmitter.on('objectMetadata.updated', (event: { workspaceId: string; name: string }) => { // leak: listener-leak
      if (event.workspaceId === workspace.id) this.logger.debug(`object ${event.name} updated in ${workspace.id}`);
    });

    const onFlush = (event: { workspaceId: string }) => {
      if (event.workspaceId === workspace.id) this.logger.log(`cache flushed for ${workspace.id}`);
    };
    this.eventEmitter.on('workspace.cache.flushed', onFlush); // ok: listener-leak
    try {
      await this.workspaceCacheStorageService.flush(workspace.id);
      const version = await this.workspaceCacheStorageService.incrementMetadataVersion(workspace.id);
      if (!data.dryRun) await this.workspaceDatasourceFactory.create(workspace.id, version);
    } finally {
      this.eventEmitter.off('workspace.cache.flushed', onFlush);
    }
    this.logger.log(`synced ${workspace.id} in ${Date.now() - started}ms`);
  }
}
