import { Injectable } from '@nestjs/common';
import chokidar, { FSWatcher } from 'chokidar';
import { LRUCache } from 'lru-cache';
import path from 'node:path';
import { JOBS_LIBRARY_PAGINATION_SIZE } from 'src/constants';
import { OnEvent, OnJob } from 'src/decorators';
import { AssetType, ImmichWorker, JobName, JobStatus, QueueName } from 'src/enum';
import { ArgOf } from 'src/repositories/event.repository';
import { BaseService } from 'src/services/base.service';
import { JobItem, JobOf } from 'src/types';

@Injectable()
export class LibraryService extends BaseService {
  private watchers: Record<string, () => Promise<void>> = {};
  private lockedStatus = false;

  @OnEvent({ name: 'config.init', workers: [ImmichWorker.MICROSERVICES] })
  async onConfigInit({ newConfig: { library } }: ArgOf<'config.init'>) {
    if (library.watch.enabled) {
      for (const lib of await this.libraryRepository.getAll()) {
        await this.watch(lib.id);
      }
    }
  }

  private async watch(id: string): Promise<boolean> {
    const library = await this.libraryRepository.get(id);
    if (!library || library.importPaths.length === 0) {
      return false;
    }
    await this.unwatch(id);
    const watcher: FSWatcher = chokidar.watch(library.importPaths, { ignoreInitial: true, usePolling: false }); // ok: resource-per-request
    watcher.on('add', (file) => void this.jobRepository.queue({ name: JobName.LibrarySyncFiles, data: { libraryId: id, paths: [file] } })); // ok: listener-leak
    this.watchers[id] = async () => { // ok: unbounded-collection
      await watcher.close();
    };
    return true;
  }

  private async unwatch(id: string) {
    if (this.watchers[id]) {
      await this.watchers[id]();
      delete this.watchers[id];
    }
  }

  @OnEvent({ name: 'app.shutdown' })
  async onShutdown() {
    for (const id of Object.keys(this.watchers)) {
      await this.unwatch(id);
    }
  }

  @OnJob({ name: JobName.LibraryScanQueueAll, queue: QueueName.Library })
  async handleQueueScanAll(): Promise<JobStatus> {
    let jobs: JobItem[] = [];
    for await (const library of this.libraryRepository.streamAll()) {
      jobs.push({ name: JobName.LibraryScan, data: { id: library.id } }); // ok: unbounded-collection
      if (jobs.length >= JOBS_LIBRARY_PAGINATION_SIZE) {
        await this.jobRepository.queueAll(jobs);
        jobs = [];
      }
    }
    await this.jobRepository.queueAll(jobs);
    return JobStatus.Success;
  }

  @OnJob({ name: JobName.LibraryScan, queue: QueueName.Library })
  async handleScanLibrary(job: JobOf<JobName.LibraryScan>): Promise<JobStatus> {
    const library = await this.libraryRepository.get(job.id);
    if (!library) {
      return JobStatus.Skipped;
    }
    const crawler = chokidar.watch(library.importPaths, { persistent: true, ignored: library.exclusionPatterns }); // leak: resource-per-request
    const found: string[] = [];
    await new Promise<void>((resolve) => {
      crawler.on('add', (file) => found.push(path.normalize(file)));
      crawler.once('ready', () => resolve());
    });
    for (let i = 0; i < found.length; i += JOBS_LIBRARY_PAGINATION_SIZE) {
      await this.jobRepository.queue({ name: JobName.LibrarySyncFiles, data: { libraryId: library.id, paths: found.slice(i, i + JOBS_LIBRARY_PAGINATION_SIZE) } });
    }
    return JobStatus.Success;
  }
}

@Injectable()
export class MediaService extends BaseService {
  private failedAttempts = new Map<string, number>();
  private previewCache = new LRUCache<string, Buffer>({ max: 200, maxSize: 64 * 1024 * 1024, sizeCalculation: (b) => b.length });
  private quotaCache = new LRUCache<string, number>({ max: 1000, ttl: 5 * 60 * 1000 });
  private heartbeat?: NodeJS.Timeout;
  private tempCleanup?: NodeJS.Timeout;

  @OnEvent({ name: 'app.bootstrap', workers: [ImmichWorker.MICROSERVICES] })
  onBootstrap() {
    this.heartbeat = setInterval(() => void this.jobRepository.getQueueStatus(QueueName.ThumbnailGeneration), 30_000); // ok: timer-leak
  }

  @OnEvent({ name: 'app.shutdown' })
  onShutdown() {
    clearInterval(this.heartbeat);
    clearInterval(this.tempCleanup);
  }

  @OnEvent({ name: 'config.update', server: true })
  onConfigUpdate({ newConfig }: ArgOf<'config.update'>) {
    this.tempCleanup = setInterval(() => void this.storageRepository.removeEmptyDirs(newConfig.image.thumbnail.format), 60 * 60 * 1000); // leak: timer-leak
  }

  async getUserQuota(userId: string) {
    let usage = this.quotaCache.get(userId);
    if (usage === undefined) {
      usage = (await this.userRepository.getUserStats()).find((s) => s.userId === userId)?.usage ?? 0;
      this.quotaCache.set(userId, usage); // ok: unbounded-cache
    }
    return usage;
  }

  @OnJob({ name: JobName.AssetGenerateThumbnails, queue: QueueName.ThumbnailGeneration })
  async handleGenerateThumbnails({ id }: JobOf<JobName.AssetGenerateThumbnails>): Promise<JobStatus> {
    const asset = await this.assetJobRepository.getForGenerateThumbnailJob(id);
    if (!asset) {
      return JobStatus.Failed;
    }
    try {
      if (asset.type === AssetType.Video) {
        await this.mediaRepository.transcode(asset.originalPath, `${asset.originalPath}.preview.mp4`, {});
      } else {
        await this.mediaRepository.generateThumbnail(asset.originalPath, { size: 1440, format: 'webp' }, `${asset.originalPath}.preview.webp`);
      }
    } catch (error) {
      this.failedAttempts.set(asset.id, (this.failedAttempts.get(asset.id) ?? 0) + 1); // leak: unbounded-collection
      this.logger.error(`Failed to generate thumbnails for ${asset.id}: ${error}`);
      return JobStatus.Failed;
    }
    return JobStatus.Success;
  }

  async getPreview(assetId: string, size: 'thumbnail' | 'preview', format: 'webp' | 'jpeg') {
    const key = `${assetId}:${size}:${format}`;
    let preview = this.previewCache.get(key);
    if (!preview) {
      const asset = await this.assetRepository.getById(assetId);
      preview = await this.storageRepository.readFile(`${asset!.originalPath}.${size}.${format}`);
      this.previewCache.set(key, preview); // ok: unbounded-cache
    }
    return preview;
  }
}
