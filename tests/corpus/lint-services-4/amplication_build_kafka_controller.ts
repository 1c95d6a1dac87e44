import { Controller, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from "@nestjs/common";
import { ConfigService } from "@nestjs/config";
import { ClientKafka, Ctx, EventPattern, KafkaContext, Payload } from "@nestjs/microservices";
import { Get, Param, Query, Sse, MessageEvent } from "@nestjs/common";
import { EventEmitter } from "events";
import { LRUCache } from "lru-cache";
import { BehaviorSubject, Observable, map } from "rxjs";

import { KAFKA_TOPICS } from "./kafka/topics";
import { CodeGenerationRequest, CodeGenerationSuccess, CodeGenerationFailure, BuildLogEvent } from "./kafka/messages";
import { BuildRunnerService } from "./build-runner.service";
import { StorageService } from "./storage.service";

type BuildStatus = { buildId: string; resourceId: string; state: "running" | "done" | "failed"; startedAt: number };

@Injectable()
export class BuildEventsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BuildEventsService.name);
  readonly runnerEvents = new EventEmitter();
  readonly statuses = new Map<string, BuildStatus>();
  readonly resources = new LRUCache<string, { name: string; blueprint: string }>({ max: 1000, ttl: 15 * 60 * 1000 });
  progress$: Observable<BuildStatus[]> = new BehaviorSubject<BuildStatus[]>([]);
  private chain: Promise<unknown> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject("KAFKA_CLIENT") private readonly kafkaClient: ClientKafka,
    private readonly configService: ConfigService,
  ) {}

  async onModuleInit() {
    await this.kafkaClient.connect(); // ok: resource-per-request
    this.runnerEvents.on("container-exit", this.onContainerExit); // ok: listener-leak
  }

  async onModuleDestroy() {
    this.runnerEvents.off("container-exit", this.onContainerExit);
    await this.kafkaClient.close();
  }

  private onContainerExit = (buildId: string, code: number) => {
    this.logger.log(`runner for ${buildId} exited with ${code}`);
  };

  emitMessage(topic: string, key: string, value: unknown) {
    // keep kafka sends in order; every link settles and is released
    this.chain = this.chain.then(() => this.kafkaClient.emit(topic, { key, value: JSON.stringify(value) }).toPromise()); // ok: closure-capture
    return this.chain;
  }
}

@Controller("kafka-controller")
export class BuildKafkaController {
  private readonly logger = new Logger(BuildKafkaController.name);

  constructor(
    private readonly events: BuildEventsService,
    private readonly runner: BuildRunnerService,
    private readonly storage: StorageService,
  ) {}

  @EventPattern(KAFKA_TOPICS.CODE_GENERATION_REQUEST_TOPIC) // ok: listener-leak
  async onCodeGenerationRequest(@Payload() message: CodeGenerationRequest.Value, @Ctx() context: KafkaContext): Promise<void> {
    const { buildId, resourceId } = message;
    this.events.statuses.set(buildId, { buildId, resourceId, state: "running", startedAt: Date.now() }); // leak: unbounded-collection

    let resource = this.events.resources.get(resourceId);
    if (!resource) {
      resource = await this.storage.getResource(resourceId);
      this.events.resources.set(resourceId, resource); // ok: unbounded-cache
    }

    // the dashboard stream gets one more mapping step per build request
    const previous = this.events.progress$;
    this.events.progress$ = previous.pipe(map((list) => list.concat({ buildId, resourceId, state: "running", startedAt: Date.now() }))); // leak: closure-capture

    // print runner output for this build; the emitter is the service's, shared by all builds
    this.events.runnerEvents.on("log", (event: BuildLogEvent.Value) => { // leak: listener-leak
      if (event.buildId === buildId) this.logger.log(`[${buildId}] ${event.message}`);
    });

    const heartbeat = setInterval(() => context.getConsumer().heartbeat?.(), 3000); // ok: timer-leak
    try {
      await this.runner.run(buildId, resource, message.dsgResourceData);
    } finally {
      clearInterval(heartbeat);
    }
  }

  @EventPattern(KAFKA_TOPICS.CODE_GENERATION_SUCCESS_TOPIC) // ok: listener-leak
  async onCodeGenerationSuccess(@Payload() message: CodeGenerationSuccess.Value): Promise<void> {
    const status = this.events.statuses.get(message.buildId);
    this.events.statuses.delete(message.buildId);
    await this.events.emitMessage(KAFKA_TOPICS.BUILD_COMPLETED_TOPIC, message.buildId, { ...message, durationMs: status ? Date.now() - status.startedAt : null });
  }

  @EventPattern(KAFKA_TOPICS.CODE_GENERATION_FAILURE_TOPIC) // ok: listener-leak
  async onCodeGenerationFailure(@Payload() message: CodeGenerationFailure.Value): Promise<void> {
    const status = this.events.statuses.get(message.buildId);
    if (status) status.state = "failed";
    await this.events.emitMessage(KAFKA_TOPICS.BUILD_FAILED_TOPIC, message.buildId, { buildId: message.buildId, error: message.error });
  }

  @EventPattern(KAFKA_TOPICS.PACKAGE_MANAGER_CREATE_REQUEST_TOPIC) // ok: listener-leak
  async onPackageManagerCreate(@Payload() message: { buildId: string; packages: string[] }, @Ctx() context: KafkaContext): Promise<void> {
    const installed: string[] = []; // ok: unbounded-collection
    const ticker = setInterval(() => context.getConsumer().heartbeat?.(), 3000); // leak: timer-leak
    try {
      for (const pkg of message.packages) {
        await this.runner.install(message.buildId, pkg);
        installed.push(pkg); // ok: unbounded-collection
      }
    } finally {
      // stops the service-level heartbeat, not the one started above
      clearInterval(this.events["heartbeat"]);
    }
    this.logger.log(`installed ${installed.length} packages for ${message.buildId}`);
  }

  @EventPattern(KAFKA_TOPICS.BUILD_LOG_TOPIC) // ok: listener-leak
  async onBuildLog(@Payload() message: BuildLogEvent.Value): Promise<void> {
    const onExit = (buildId: string) => {
      if (buildId === message.buildId) this.logger.log(`build ${buildId} finished logging`);
    };
    this.events.runnerEvents.once("container-exit", onExit); // ok: listener-leak
    this.events.runnerEvents.emit("log", message);
    this.events.runnerEvents.removeListener("container-exit", onExit);
  }
}

@Controller("builds")
export class BuildStatusController {
  constructor(private readonly events: BuildEventsService) {}

  @Get(":buildId")
  status(@Param("buildId") buildId: string) {
    return this.events.statuses.get(buildId) ?? { buildId, state: "unknown" };
  }

  @Get()
  list(@Query("resourceId") resourceId?: string) {
    const byState = new Map<string, number>(); // ok: unbounded-collection
    for (const status of this.events.statuses.values()) {
      if (resourceId && status.resourceId !== resourceId) continue;
      byState.set(status.state, (byState.get(status.state) ?? 0) + 1); // ok: unbounded-collection
    }
    return Object.fromEntries(byState);
  }

  @Sse("stream")
  stream(): Observable<MessageEvent> {
    // a subscriber per open dashboard; Nest unsubscribes when the client goes away
    return this.events.progress$.pipe(map((data) => ({ data }) as MessageEvent)); // ok: closure-capture
  }
}
