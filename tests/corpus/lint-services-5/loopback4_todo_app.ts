// Copyright IBM Corp. and LoopBack contributors 2018,2020. All Rights Reserved.
// Node module: @loopback/example-todo (shape only)
//
// After loopback-next's examples (todo: controllers/todo.controller.ts, services/geocoder.service.ts,
// datasources/*.datasource.ts; multi-tenancy: the tenant datasource strategy) and the generated
// observers and interceptors. Controllers are bound TRANSIENT (one instance per request); services
// and interceptors marked SINGLETON live for the application.

import {
  Application,
  BindingScope,
  CoreBindings,
  inject,
  injectable,
  Interceptor,
  InvocationContext,
  InvocationResult,
  lifeCycleObserver,
  LifeCycleObserver,
  Provider,
  ValueOrPromise,
  globalInterceptor,
} from '@loopback/core';
import {juggler, repository, Filter} from '@loopback/repository';
import {del, get, getModelSchemaRef, param, post, requestBody, RestBindings, Request} from '@loopback/rest';
import {Todo} from '../models';
import {TodoRepository} from '../repositories';
import {GeocoderService, GeoPoint} from '../services/geocoder.service';

const config = {
  name: 'db',
  connector: 'postgresql',
  url: process.env.DATABASE_URL,
  max: 10,
};

@lifeCycleObserver('datasource')
export class DbDataSource extends juggler.DataSource implements LifeCycleObserver {
  static dataSourceName = 'db';
  static readonly defaultConfig = config;

  constructor(@inject('datasources.config.db', {optional: true}) dsConfig: object = config) {
    super(dsConfig); // ok: resource-per-request
  }
}

@lifeCycleObserver('caches')
export class CacheSweepObserver implements LifeCycleObserver {
  private sweeper?: NodeJS.Timeout;

  constructor(@inject('services.GeocoderCache') private cache: GeocoderCache) {}

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.cache.sweep(), 60 * 1000); // ok: timer-leak
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}

@injectable({scope: BindingScope.SINGLETON})
export class GeocoderCache {
  private entries = new Map<string, {at: number; points: GeoPoint[]}>();
  private misses: Record<string, number> = {};

  get(address: string) {
    return this.entries.get(address)?.points;
  }

  set(address: string, points: GeoPoint[]) {
    this.entries.set(address, {at: Date.now(), points}); // ok: unbounded-cache
  }

  miss(address: string) {
    this.misses[address.toLowerCase().trim()] = Date.now(); // leak: unbounded-cache
  }

  sweep() {
    const cutoff = Date.now() - 10 * 60 * 1000;
    for (const [key, value] of this.entries) if (value.at < cutoff) this.entries.delete(key);
  }
}

@globalInterceptor('', {tags: {name: 'timing'}, scope: BindingScope.SINGLETON})
export class TimingInterceptor implements Provider<Interceptor> {
  private readonly slowCalls: {method: string; ms: number}[] = [];
  private readonly recent: number[] = [];

  value() {
    return this.intercept.bind(this);
  }

  async intercept(invocationCtx: InvocationContext, next: () => ValueOrPromise<InvocationResult>) {
    const started = Date.now();
    const warn = setTimeout(() => console.warn(`slow: ${invocationCtx.targetName}`), 5000); // ok: timer-leak
    try {
      return await next();
    } finally {
      clearTimeout(warn);
      const ms = Date.now() - started;
      this.recent.push(ms); // ok: unbounded-collection
      if (this.recent.length > 100) this.recent.shift();
      if (ms > 1000) this.slowCalls.push({method: invocationCtx.targetName, ms}); // leak: unbounded-collection
    }
  }
}

type TodoHook = (todo: Todo) => void;

export class TodoController {
  private readonly audit: string[] = [];

  constructor(
    @repository(TodoRepository) protected todoRepository: TodoRepository,
    @inject('services.GeocoderService') protected geoService: GeocoderService,
    @inject('services.GeocoderCache') protected geoCache: GeocoderCache,
    @inject(CoreBindings.APPLICATION_INSTANCE) private app: Application,
    @inject(RestBindings.Http.REQUEST) private request: Request,
  ) {}

  @post('/todos', {responses: {'200': {description: 'Todo model instance', content: {'application/json': {schema: getModelSchemaRef(Todo)}}}}})
  async create(@requestBody({content: {'application/json': {schema: getModelSchemaRef(Todo, {title: 'NewTodo', exclude: ['id']})}}}) todo: Omit<Todo, 'id'>): Promise<Todo> {
    if (todo.remindAtAddress) {
      let geo = this.geoCache.get(todo.remindAtAddress);
      if (!geo) {
        geo = await this.geoService.geocode(todo.remindAtAddress);
        if (!geo[0]) {
          this.geoCache.miss(todo.remindAtAddress);
          throw new Error(`Address not found: ${todo.remindAtAddress}`);
        }
        this.geoCache.set(todo.remindAtAddress, geo);
      }
      todo.remindAtGeo = `${geo[0].y},${geo[0].x}`;
    }
    this.audit.push(`create ${todo.title}`); // ok: unbounded-collection
    const saved = await this.todoRepository.create(todo);

    const previous = await this.app.get<TodoHook>('hooks.onTodoSaved', {optional: true});
    const request = this.request;
    this.app.bind('hooks.onTodoSaved').to((t: Todo) => { // leak: closure-capture
      previous?.(t);
      if (t.id === saved.id) console.debug(`saved via ${request.method} ${request.url}`);
    });

    this.app.on('stateChanged', (data: {from: string; to: string}) => { // leak: listener-leak
      if (data.to === 'stopping') console.info(`todo ${saved.id} pending at shutdown`);
    });
    return saved;
  }

  @get('/todos')
  async find(@param.filter(Todo) filter?: Filter<Todo>): Promise<Todo[]> {
    return this.todoRepository.find(filter);
  }

  @get('/tenants/{tenant}/todos')
  async findForTenant(@param.path.string('tenant') tenant: string): Promise<Todo[]> {
    const ds = new juggler.DataSource({...config, name: `db-${tenant}`, url: `${process.env.DATABASE_URL}_${tenant}`}); // leak: resource-per-request
    const repo = new TodoRepository(ds);
    return repo.find({where: {isComplete: false}});
  }

  @get('/tenants/{tenant}/todos/count')
  async countForTenant(@param.path.string('tenant') tenant: string): Promise<{count: number}> {
    const ds = new juggler.DataSource({...config, name: `db-${tenant}`, url: `${process.env.DATABASE_URL}_${tenant}`}); // ok: resource-per-request
    try {
      return await new TodoRepository(ds).count();
    } finally {
      await ds.disconnect();
    }
  }

  @del('/todos/{id}')
  async deleteTodo(@param.path.number('id') id: number): Promise<void> {
    const onStop = () => console.info(`delete of ${id} interrupted`);
    this.app.once('stateChanged', onStop); // ok: listener-leak
    try {
      await this.todoRepository.deleteById(id);
    } finally {
      this.app.removeListener('stateChanged', onStop);
    }
  }
}

export class TodoListApplication extends Application {
  constructor() {
    super({shutdown: {signals: ['SIGTERM']}});
    this.dataSource(DbDataSource);
    this.lifeCycleObserver(CacheSweepObserver);
    this.bind('services.GeocoderCache').toClass(GeocoderCache).inScope(BindingScope.SINGLETON);
    this.bind('hooks.onTodoSaved').to(() => undefined);
    this.bind('datasources.config.db').toDynamicValue(() => ({...config, max: Number(process.env.DB_POOL ?? 10)})); // ok: closure-capture
    this.on('stateChanged', (data) => console.info(`app ${data.from} -> ${data.to}`)); // ok: listener-leak
  }
}
