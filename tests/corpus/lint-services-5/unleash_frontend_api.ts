import EventEmitter from 'events';
import type { Request, Response } from 'express';
import { Unleash, InMemStorageProvider, type Context } from 'unleash-client';
import type { Logger, LogProvider } from '../../logger';
import type { IUnleashConfig, IFlagResolver } from '../../types';
import type { IApiUser } from '../../types/api-user';
import { UPDATE_REVISION } from '../feature-toggle/configuration-revision-service';
import { API_TOKEN_DELETED, SCHEDULER_JOB_TIME } from '../../metric-events';
import Controller from '../../routes/controller';
import type { IMaintenanceStatus } from '../maintenance/maintenance-service';

// After Unleash's features/scheduler/scheduler-service.ts, features/frontend-api/frontend-api-service.ts,
// proxy-repository.ts and the frontend-api controller: services built once in createServices() and
// passed around in one `services` object; one repository + SDK client per frontend token.

export class SchedulerService {
    private intervalIds: NodeJS.Timeout[] = [];

    private logger: Logger;

    constructor(
        getLogger: LogProvider,
        private maintenanceStatus: IMaintenanceStatus,
        private eventBus: EventEmitter,
    ) {
        this.logger = getLogger('/services/scheduler-service.ts');
    }

    async schedule(fn: () => Promise<unknown> | void, timeMs: number, id: string): Promise<void> {
        const run = async () => {
            const start = process.hrtime();
            await fn();
            const [s, ns] = process.hrtime(start);
            this.eventBus.emit(SCHEDULER_JOB_TIME, { jobId: id, time: s + ns / 1e9 });
        };
        this.intervalIds.push( // ok: unbounded-collection
            setInterval(async () => { // ok: timer-leak
                try {
                    if (!(await this.maintenanceStatus.isMaintenanceMode())) await run();
                } catch (e) {
                    this.logger.error(`interval scheduled job failed | id: ${id}`, e);
                }
            }, timeMs).unref(),
        );
    }

    stop(): void {
        this.intervalIds.forEach(clearInterval);
        this.intervalIds = [];
    }
}

export class ProxyRepository extends EventEmitter {
    private features: any[] = [];

    private segments: any[] = [];

    private interval?: NodeJS.Timeout;

    private running = false;

    constructor(
        private config: IUnleashConfig,
        private stores: any,
        private services: any,
        private token: IApiUser,
    ) {
        super();
        this.onUpdateRevisionEvent = this.onUpdateRevisionEvent.bind(this);
    }

    async start(): Promise<void> {
        this.running = true;
        await this.dataPolling();
        this.services.configurationRevisionService.on(UPDATE_REVISION, this.onUpdateRevisionEvent); // ok: listener-leak
        this.services.configurationRevisionService.on('segmentsChanged', this.onSegments.bind(this)); // leak: listener-leak
        this.emit('ready');
    }

    stop(): void {
        this.services.configurationRevisionService.off(UPDATE_REVISION, this.onUpdateRevisionEvent);
        this.services.configurationRevisionService.off('segmentsChanged', this.onSegments.bind(this));
        clearTimeout(this.interval);
        this.running = false;
    }

    private async onSegments(): Promise<void> {
        this.segments = await this.stores.segmentReadModel.getActiveForClient();
    }

    private async dataPolling() {
        this.interval = setTimeout(async () => { // ok: timer-leak
            if (!this.running) return;
            await this.loadDataForToken();
            return this.dataPolling();
        }, this.config.frontendApi.refreshIntervalInMs);
    }

    private async onUpdateRevisionEvent() {
        await this.loadDataForToken();
    }

    private async loadDataForToken() {
        this.features = await this.services.featureToggleServiceV2.getClientFeatures({
            project: this.token.projects,
            environment: this.token.environment,
        });
        this.emit('changed');
    }

    getToggles() {
        return this.features;
    }
}

export class FrontendApiService {
    private readonly logger: Logger;

    private readonly clients: Map<string, Promise<Unleash>> = new Map();

    private readonly evaluationsByContext: Map<string, unknown[]> = new Map();

    private readonly unknownFlagReports: { name: string; appName: string; at: Date }[] = [];

    private readonly flagResolver: IFlagResolver;

    constructor(
        private config: IUnleashConfig,
        private stores: any,
        private services: any,
    ) {
        this.logger = config.getLogger('services/frontend-api-service.ts');
        this.flagResolver = config.flagResolver;
        services.apiTokenService.on(API_TOKEN_DELETED, (secret: string) => this.deleteClientForFrontendApiToken(secret)); // ok: listener-leak
    }

    async getFrontendApiFeatures(token: IApiUser, context: Context) {
        const client = await this.clientForFrontendApiToken(token);
        const definitions = client.getFeatureToggleDefinitions() || [];
        const sessionKey = `${token.secret}:${context.sessionId ?? ''}:${context.userId ?? ''}`;
        const result = definitions
            .filter((feature) => client.isEnabled(feature.name, { ...context, sessionId: context.sessionId ?? String(Math.random()) }))
            .map((feature) => ({ name: feature.name, enabled: true, impressionData: feature.impressionData }));
        this.evaluationsByContext.set(sessionKey, result); // leak: unbounded-cache
        return result;
    }

    async registerFrontendApiMetrics(token: IApiUser, metrics: any, ip: string) {
        for (const name of Object.keys(metrics.bucket.toggles)) {
            if (!(await this.stores.featureToggleStore.exists(name))) {
                this.unknownFlagReports.push({ name, appName: metrics.appName, at: new Date() }); // leak: unbounded-collection
            }
        }
        await this.services.clientMetricsServiceV2.registerClientMetrics({ ...metrics, environment: token.environment }, ip);
    }

    private async clientForFrontendApiToken(token: IApiUser): Promise<Unleash> {
        let client = this.clients.get(token.secret);
        if (!client) {
            client = this.createClientForFrontendApiToken(token);
            this.clients.set(token.secret, client); // ok: unbounded-cache
        }
        return client;
    }

    private async createClientForFrontendApiToken(token: IApiUser): Promise<Unleash> {
        const repository = new ProxyRepository(this.config, this.stores, this.services, token);
        const client = new Unleash({ // ok: resource-per-request
            appName: 'proxy',
            url: 'unused',
            storageProvider: new InMemStorageProvider(),
            disableMetrics: true,
            repository,
        });
        client.on(UPDATE_REVISION, () => this.logger.debug('revision')); // ok: listener-leak
        await new Promise((resolve) => client.once('ready', resolve)); // ok: listener-leak
        return client;
    }

    async deleteClientForFrontendApiToken(secret: string): Promise<void> {
        const clientPromise = this.clients.get(secret);
        if (clientPromise) {
            const client = await clientPromise;
            client.destroy();
            this.clients.delete(secret);
        }
    }

    async evaluateForPlayground(token: IApiUser, context: Context, toggles: any[]) {
        const sdk = new Unleash({ // leak: resource-per-request
            appName: 'playground',
            url: 'unused',
            storageProvider: new InMemStorageProvider(),
            bootstrap: { data: toggles },
            refreshInterval: this.config.frontendApi.refreshIntervalInMs,
        });
        await new Promise((resolve) => sdk.once('synchronized', resolve)); // ok: listener-leak
        return toggles.map((t) => ({ name: t.name, enabled: sdk.isEnabled(t.name, context) }));
    }

    stopAll(): void {
        this.clients.forEach((promise) => promise.then((c) => c.destroy()));
        this.clients.clear();
    }
}

export default class FrontendAPIController extends Controller {
    private readonly logger: Logger;

    private readonly timers: NodeJS.Timeout[] = [];

    constructor(config: IUnleashConfig, private services: { frontendApiService: FrontendApiService; schedulerService: SchedulerService }) {
        super(config);
        this.logger = config.getLogger('frontend-api.ts');
        this.route({ method: 'get', path: '', handler: this.getFrontendApiFeatures, permission: 'NONE' });
        this.route({ method: 'post', path: '/client/metrics', handler: this.registerFrontendApiMetrics, permission: 'NONE' });
    }

    private async getFrontendApiFeatures(req: Request & { user: IApiUser }, res: Response) {
        const toggles = await this.services.frontendApiService.getFrontendApiFeatures(req.user, req.query as Context);
        res.set('Cache-control', 'no-cache');
        res.json({ toggles });
    }

    private async registerFrontendApiMetrics(req: Request & { user: IApiUser }, res: Response) {
        await this.services.frontendApiService.registerFrontendApiMetrics(req.user, req.body, req.ip ?? '');
        const done = setTimeout(() => this.logger.debug(`metrics from ${req.user.username} stored`), 1000); // ok: timer-leak
        res.once('finish', () => clearTimeout(done)); // ok: listener-leak
        const keepLogging = setInterval(() => this.logger.debug(`metrics backlog for ${req.user.environment}`), 60_000); // leak: timer-leak
        this.timers.push(keepLogging); // leak: unbounded-collection
        res.status(200).end();
    }
}
