// Observability wiring shared by the API: pino request loggers, winston audit logs,
// OpenTelemetry tracing and metrics, an in-memory log tail for the admin console.
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import winston from 'winston';
import Transport from 'winston-transport';
import { metrics, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { randomUUID } from 'node:crypto';

declare global {
  // eslint-disable-next-line no-var
  var __routeHistograms: Record<string, ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']>> | undefined;
}

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] });

export const sdk = new NodeSDK({ serviceName: 'portal-api', traceExporter: new OTLPTraceExporter() }); // ok: resource-per-request
sdk.start();
process.once('SIGTERM', () => { void sdk.shutdown(); }); // ok: listener-leak

const meter = metrics.getMeter('portal-api');
const requests = meter.createCounter('http.server.requests');

class TailTransport extends Transport {
  readonly lines: string[] = [];
  constructor(private readonly max: number) { super(); }
  log(info: { level: string; message: string }, next: () => void): void {
    this.lines.push(`${info.level} ${info.message}`); // ok: unbounded-collection
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    next();
  }
}

class SlowRequestTransport extends Transport {
  readonly entries: Array<Record<string, unknown>> = [];
  log(info: Record<string, unknown>, next: () => void): void {
    if (Number(info.durationMs) > 2000) this.entries.push(info); // leak: unbounded-collection
    next();
  }
}

export const tail = new TailTransport(1000);
export const slow = new SlowRequestTransport();
export const appLog = winston.createLogger({ transports: [new winston.transports.Console(), tail, slow] });

const tenantAuditLogs = new Map<string, winston.Logger>();
const knownTenants = new Set((process.env.TENANTS ?? '').split(',').filter(Boolean));

export function auditLogFor(tenant: string): winston.Logger {
  if (!knownTenants.has(tenant)) throw new Error(`unknown tenant ${tenant}`);
  let log = tenantAuditLogs.get(tenant);
  if (!log) {
    log = winston.createLogger({ transports: [new winston.transports.File({ filename: `audit/${tenant}.log` })] }); // ok: resource-per-request
    tenantAuditLogs.set(tenant, log); // ok: unbounded-cache
  }
  return log;
}

export function exportLogFor(jobId: string): winston.Logger {
  const format = winston.format.combine(winston.format.timestamp(), winston.format.json());
  return winston.createLogger({ format, transports: [new winston.transports.File({ filename: `exports/${jobId}.log` })] }); // leak: resource-per-request
}

export function tracerFor(component: string) {
  const resource = new Resource({ 'service.name': `portal-${component}` });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] }); // leak: resource-per-request
  return provider.getTracer(component);
}

export function requestLogging(req: Request & { log?: pino.Logger }, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  req.log = logger.child({ reqId: req.get('x-request-id') ?? randomUUID() }); // ok: resource-per-request
  res.on('finish', () => { // ok: listener-leak
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    requests.add(1, { method: req.method, status: res.statusCode });
    routeHistogram(req.path).record(durationMs);
    appLog.info('request', { path: req.path, status: res.statusCode, durationMs });
  });
  process.on('warning', (warning) => req.log?.warn({ warning }, 'process warning during request')); // leak: listener-leak, closure-capture
  next();
}

function routeHistogram(path: string) {
  globalThis.__routeHistograms ??= {};
  if (!globalThis.__routeHistograms[path]) {
    globalThis.__routeHistograms[path] = meter.createHistogram(`http.route.${path}`, { unit: 'ms' }); // leak: global-growth, unbounded-cache
  }
  return globalThis.__routeHistograms[path];
}

export async function withSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer('portal-api').startActiveSpan(name, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      throw err;
    } finally {
      span.end();
    }
  });
}

export async function runExport(jobId: string, rows: AsyncIterable<object>): Promise<number> {
  const log = exportLogFor(jobId);
  const tracer = tracerFor('exports');
  const span = tracer.startSpan('export');
  let count = 0;
  for await (const _row of rows) count++;
  log.info('export finished', { jobId, count });
  span.end();
  return count;
}

const flusher = setInterval(() => logger.flush(), 10_000); // ok: timer-leak
flusher.unref();
