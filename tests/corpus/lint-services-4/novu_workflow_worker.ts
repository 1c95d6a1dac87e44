import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { IJobData, JobTopicNameEnum } from '@novu/shared';
import { Job, Queue, QueueEvents, Worker, WorkerOptions, Processor } from 'bullmq';
import { LRUCache } from 'lru-cache';

import { BullMqService } from '../bull-mq';
import { EnvironmentRepository, JobRepository, JobStatusEnum } from '../../dal';
import { RunJob, RunJobCommand } from '../../usecases/run-job';
import { getRedisConnection } from '../../config/redis';

const LOG_CONTEXT = 'WorkflowWorker';

export type WorkerProcessor = string | Processor<any, unknown, string> | undefined;

export class WorkerBaseService {
  public readonly DEFAULT_ATTEMPTS = 3;
  protected worker?: Worker;
  protected inFlight = new Set<string>();

  constructor(public readonly topic: JobTopicNameEnum, public bullMqService: BullMqService) {}

  protected createWorker(processor: WorkerProcessor, options?: WorkerOptions): void {
    this.worker = new Worker(this.topic, processor, { connection: getRedisConnection(), ...options }); // ok: resource-per-request
    this.worker.on('failed', (job, error) => { // ok: listener-leak
      Logger.error(`Job ${job?.id} failed: ${error.message}`, LOG_CONTEXT);
    });
    this.worker.on('stalled', (jobId) => { // ok: listener-leak
      Logger.warn(`Job ${jobId} stalled`, LOG_CONTEXT);
    });
  }

  public async pause(): Promise<void> {
    await this.worker?.pause();
  }

  public async gracefulShutdown(): Promise<void> {
    Logger.log(`Shutting down worker ${this.topic} with ${this.inFlight.size} jobs in flight`, LOG_CONTEXT);
    await this.worker?.close();
  }
}

@Injectable()
export class WorkflowWorker extends WorkerBaseService implements OnModuleInit, OnModuleDestroy {
  private readonly queueEvents: QueueEvents;
  private readonly digestQueue: Queue;
  private readonly environmentCache = new LRUCache<string, { id: string; name: string }>({ max: 2000, ttl: 60_000 });
  private readonly processedJobIds: string[] = [];
  private metricsTimer?: NodeJS.Timeout;

  constructor(
    bullMqService: BullMqService,
    private readonly runJob: RunJob,
    private readonly jobRepository: JobRepository,
    private readonly environmentRepository: EnvironmentRepository
  ) {
    super(JobTopicNameEnum.WORKFLOW, bullMqService);
    this.queueEvents = new QueueEvents(JobTopicNameEnum.WORKFLOW, { connection: getRedisConnection() }); // ok: resource-per-request
    this.digestQueue = new Queue(JobTopicNameEnum.DIGEST, { connection: getRedisConnection() }); // ok: resource-per-request
  }

  async onModuleInit() {
    this.createWorker(this.getWorkerProcessor(), { concurrency: 200, lockDuration: 90_000 });
    this.metricsTimer = setInterval(() => { // ok: timer-leak
      Logger.verbose(`in flight: ${this.inFlight.size}`, LOG_CONTEXT);
    }, 30_000);
  }

  async onModuleDestroy() {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.gracefulShutdown();
    await this.queueEvents.close();
    await this.digestQueue.close();
  }

  private getWorkerProcessor(): Processor {
    return async (job: Job<IJobData>) => {
      this.inFlight.add(job.id!); // ok: unbounded-collection
      try {
        const environment = await this.getEnvironment(job.data._environmentId);
        if (job.data.type === 'digest') {
          return await this.handoffToDigest(job);
        }
        if (job.data.type === 'delay') {
          return await this.waitForChild(job);
        }
        await this.runWithLockRenewal(job, environment.id);
        this.processedJobIds.push(job.id!); // leak: unbounded-collection
        return { ok: true };
      } finally {
        this.inFlight.delete(job.id!);
      }
    };
  }

  private async getEnvironment(environmentId: string) {
    let environment = this.environmentCache.get(environmentId);
    if (!environment) {
      const found = await this.environmentRepository.findOne({ _id: environmentId });
      environment = { id: found._id, name: found.name };
      this.environmentCache.set(environmentId, environment); // ok: unbounded-cache
    }
    return environment;
  }

  private async runWithLockRenewal(job: Job<IJobData>, environmentId: string) {
    // keep the lock while the use case runs; on a throw the interval is never cleared
    const renew = setInterval(() => { // leak: timer-leak
      job.extendLock(job.token!, 90_000).catch(() => undefined);
    }, 30_000);
    await this.runJob.execute(RunJobCommand.create({ jobId: job.data._id, environmentId, userId: job.data._userId }));
    clearInterval(renew);
  }

  private async handoffToDigest(job: Job<IJobData>) {
    const tenantQueue = new Queue(`${JobTopicNameEnum.DIGEST}-${job.data._organizationId}`, { // leak: resource-per-request
      connection: getRedisConnection(),
    });
    await tenantQueue.add(job.name, job.data, { attempts: this.DEFAULT_ATTEMPTS, removeOnComplete: true });
    await this.digestQueue.add(job.name, { ...job.data, tenant: true }, { removeOnComplete: true });
    return { handedOff: true };
  }

  private async waitForChild(job: Job<IJobData>) {
    const childId = `${job.id}-delay`;
    await this.digestQueue.add('delay', job.data, { jobId: childId, delay: job.data.delayMs });
    return new Promise((resolve, reject) => {
      this.queueEvents.on('completed', ({ jobId, returnvalue }) => { // leak: listener-leak
        if (jobId === childId) resolve(returnvalue);
      });
      setTimeout(() => reject(new Error(`child ${childId} did not finish`)), job.data.delayMs + 60_000); // ok: timer-leak
    });
  }
}

@Injectable()
export class InboundMailWorker extends WorkerBaseService implements OnModuleInit {
  constructor(bullMqService: BullMqService, private readonly jobRepository: JobRepository) {
    super(JobTopicNameEnum.INBOUND_PARSE_MAIL, bullMqService);
  }

  onModuleInit() {
    this.createWorker(this.process.bind(this), { concurrency: 20 });
  }

  private async process(job: Job<{ messageId: string; raw: string }>) {
    const controller = new AbortController();
    const onAbort = () => Logger.warn(`parse of ${job.id} aborted`, LOG_CONTEXT);
    controller.signal.addEventListener('abort', onAbort, { once: true }); // ok: listener-leak
    const deadline = setTimeout(() => controller.abort(), 20_000); // ok: timer-leak
    const heartbeat = setInterval(() => job.updateProgress(50).catch(() => undefined), 5_000); // ok: timer-leak
    const seen = new Map<string, number>(); // ok: unbounded-collection
    try {
      for (const line of job.data.raw.split('\n')) {
        if (controller.signal.aborted) break;
        const [name] = line.split(':');
        seen.set(name, (seen.get(name) ?? 0) + 1); // ok: unbounded-collection
      }
      await this.jobRepository.update({ _id: job.data.messageId }, { $set: { status: JobStatusEnum.COMPLETED, headers: Object.fromEntries(seen) } });
    } finally {
      clearTimeout(deadline);
      clearInterval(heartbeat);
    }
  }
}
