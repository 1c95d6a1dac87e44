import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AccessLevel,
  ContextProto,
  SingletonProto,
  Inject,
  HTTPController,
  HTTPMethod,
  HTTPMethodEnum,
  HTTPParam,
  Context,
  EggContext,
} from '@eggjs/tegg';
import { Schedule, ScheduleType } from '@eggjs/tegg/schedule';
import { EggAppConfig, EggLogger, EggContextHttpClient } from 'egg';
import { HttpClient } from 'urllib';
import { LRU } from 'ylru';
import { TaskRepository } from '../../repository/TaskRepository';
import { PackageRepository } from '../../repository/PackageRepository';
import { Task } from '../entity/Task';
import { TaskType } from '../../common/enum/Task';
import { AbstractController } from '../../port/controller/AbstractController';

// After cnpmcore (Egg + tegg): app/core/service/ChangesStreamService.ts, PackageSyncerService.ts,
// app/port/schedule/SyncPackageWorker.ts and the package controllers. @SingletonProto objects live
// for the app; @ContextProto objects are made for one request (or one schedule run) and dropped.

@SingletonProto({ accessLevel: AccessLevel.PUBLIC })
export class RegistryCacheService {
  @Inject()
  private readonly logger: EggLogger;

  private readonly manifestCache = new Map<string, { etag: string; body: Buffer }>();
  private readonly abbreviatedCache = new LRU(10000); // ok: unbounded-cache
  private readonly pendingDownloads: { fullname: string; count: number }[] = [];
  private flushTimer?: NodeJS.Timeout;

  public rememberManifest(fullname: string, version: string, etag: string, body: Buffer) {
    this.manifestCache.set(`${fullname}@${version}`, { etag, body }); // leak: unbounded-cache
  }

  public rememberAbbreviated(fullname: string, etag: string, body: Buffer) {
    this.abbreviatedCache.set(fullname, { etag, body }, { maxAge: 5 * 60 * 1000 }); // ok: unbounded-cache
  }

  public getAbbreviated(fullname: string) {
    return this.abbreviatedCache.get(fullname) as { etag: string; body: Buffer } | undefined;
  }

  public countDownload(fullname: string) {
    this.pendingDownloads.push({ fullname, count: 1 }); // ok: unbounded-collection
    this.ensureFlushing();
  }

  private ensureFlushing() {
    this.flushTimer = setInterval(() => this.flushDownloads(), 5000); // leak: timer-leak
  }

  private flushDownloads() {
    const batch = this.pendingDownloads.splice(0, this.pendingDownloads.length);
    if (batch.length > 0) this.logger.info('[RegistryCacheService.flushDownloads] %d records', batch.length);
  }

  public stop() {
    clearInterval(this.flushTimer);
  }
}

@ContextProto({ accessLevel: AccessLevel.PUBLIC })
export class PackageSyncerService {
  @Inject()
  private readonly taskRepository: TaskRepository;
  @Inject()
  private readonly httpclient: EggContextHttpClient;
  @Inject()
  private readonly config: EggAppConfig;
  @Inject()
  private readonly logger: EggLogger;

  // one instance per request: these die with it
  private readonly logs: string[] = [];
  private readonly seenVersions = new Map<string, string>();

  private log(msg: string) {
    this.logs.push(`[${new Date().toISOString()}] ${msg}`); // ok: unbounded-collection
  }

  public async createTask(fullname: string, options: { authorIp: string; authorId: string; tips?: string; skipDependencies?: boolean }) {
    const existsTask = await this.taskRepository.findTaskByTargetName(fullname, TaskType.SyncPackage);
    if (existsTask) return existsTask;
    const task = Task.createSyncPackage(fullname, options);
    await this.taskRepository.saveTask(task);
    return task;
  }

  public async executeTask(task: Task) {
    const fullname = task.targetName;
    const registry = this.config.cnpmcore.sourceRegistry;
    this.log(`🚧 Syncing from ${registry}/${fullname}, skipDependencies: ${!!task.data.skipDependencies}`);
    const { status, data } = await this.httpclient.request(`${registry}/${encodeURIComponent(fullname)}`, {
      timeout: 60000,
      dataType: 'json',
      followRedirect: true,
    });
    if (status !== 200) {
      this.log(`❌ Get ${fullname} failed with status ${status}`);
      task.error = `status ${status}`;
      await this.taskRepository.saveTask(task);
      return;
    }
    for (const [version, manifest] of Object.entries<any>(data.versions ?? {})) {
      this.seenVersions.set(version, manifest.dist?.shasum); // ok: unbounded-collection
    }
    this.log(`🟢 ${this.seenVersions.size} versions`);
    task.logPath = await this.taskRepository.appendTaskLog(task, this.logs.join('\n'));
    await this.taskRepository.saveTask(task);
  }
}

@HTTPController()
export class ShowPackageController extends AbstractController {
  @Inject()
  private readonly registryCacheService: RegistryCacheService;
  @Inject()
  private readonly packageRepository: PackageRepository;
  @Inject()
  private readonly packageSyncerService: PackageSyncerService;

  private static readonly upstreamClient = new HttpClient({ allowH2: true }); // ok: resource-per-request

  @HTTPMethod({ path: `/:fullname(${'@[^/]+/[^/]+|[^@/]+'})`, method: HTTPMethodEnum.GET })
  async show(@Context() ctx: EggContext, @HTTPParam() fullname: string) {
    const cached = this.registryCacheService.getAbbreviated(fullname);
    if (cached && ctx.get('if-none-match') === cached.etag) {
      ctx.status = 304;
      return;
    }
    const pkg = await this.packageRepository.findPackage('', fullname);
    if (!pkg) {
      const { data } = await ShowPackageController.upstreamClient.request(`${this.config.cnpmcore.sourceRegistry}/${fullname}`, { dataType: 'json', timeout: 10000 });
      await this.packageSyncerService.createTask(fullname, { authorIp: ctx.ip, authorId: 'ShowPackageController', tips: 'not found, sync it' });
      return data;
    }
    const body = Buffer.from(JSON.stringify(pkg));
    this.registryCacheService.rememberAbbreviated(fullname, pkg.etag, body);
    ctx.etag = pkg.etag;
    return pkg;
  }

  @HTTPMethod({ path: '/:fullname/-/:filename.tgz', method: HTTPMethodEnum.GET })
  async download(@Context() ctx: EggContext, @HTTPParam() fullname: string, @HTTPParam() filename: string) {
    this.registryCacheService.countDownload(fullname);
    const version = filename.slice(fullname.split('/').pop()!.length + 1);
    const mirror = new HttpClient({ connect: { timeout: 5000 } }); // leak: resource-per-request
    const { res } = await mirror.request(`${this.config.cnpmcore.sourceRegistry}/${fullname}/-/${filename}.tgz`, { streaming: true, timeout: 60000 });
    this.registryCacheService.rememberManifest(fullname, version, String(res.headers.etag ?? ''), Buffer.alloc(0));
    ctx.attachment(`${filename}.tgz`);
    return res;
  }
}

@Schedule<{ interval: number }>({
  type: ScheduleType.WORKER,
  scheduleData: { interval: 1000 },
})
export class SyncPackageWorker {
  @Inject()
  private readonly packageSyncerService: PackageSyncerService;
  @Inject()
  private readonly taskRepository: TaskRepository;
  @Inject()
  private readonly logger: EggLogger;
  @Inject()
  private readonly app: any;

  private static executingCount = 0;

  async subscribe() {
    if (SyncPackageWorker.executingCount >= 10) return;
    const task = await this.taskRepository.executeWaitingTask(TaskType.SyncPackage, 60000);
    if (!task) return;

    SyncPackageWorker.executingCount++;
    let cancelled = false;
    this.app.messenger.on('cnpmcore:cancel-sync', (taskId: string) => { // leak: listener-leak
      if (taskId === task.taskId) cancelled = true;
    });
    const onceCancelled = (taskId: string) => {
      if (taskId === task.taskId) this.logger.info('[SyncPackageWorker] cancel requested for %s', taskId);
    };
    this.app.messenger.on('cnpmcore:cancel-notice', onceCancelled); // ok: listener-leak
    try {
      this.logger.info('[SyncPackageWorker:subscribe:execute:start][%s] taskId: %s, targetName: %s, host: %s',
        SyncPackageWorker.executingCount, task.taskId, task.targetName, os.hostname());
      if (!cancelled) await this.packageSyncerService.executeTask(task);
    } finally {
      this.app.messenger.removeListener('cnpmcore:cancel-notice', onceCancelled);
      SyncPackageWorker.executingCount--;
      await sleep(100);
    }
  }
}
