// Next.js server tracing: trace() wraps each unit of work (request
// handling, rendering, route resolution...) in an OpenTelemetry span. The
// root span of each request gets an entry in a module-level store so nested
// spans can add attributes to it.
import { context, trace, SpanStatusCode, createContextKey, type Span, type Context } from '@opentelemetry/api';

type AttributeValue = string | number | boolean | undefined;

const NextVanillaSpanAllowlist = new Set(['BaseServer.handleRequest', 'AppRender.getBodyResult', 'Render.renderDocument']);

const rootSpanAttributesStore = new Map<number, Map<string, AttributeValue>>();
const rootSpanIdKey = createContextKey('next.rootSpanId');
let lastSpanId = 0;
const getSpanId = () => lastSpanId++;

function closeSpanWithError(span: Span, error?: Error) {
  if (error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
  span.end();
}

class NextTracerImpl {
  trace<T>(type: string, options: { attributes?: Record<string, AttributeValue> }, fn: (span: Span, done?: (err?: Error) => void) => T): T {
    if (!NextVanillaSpanAllowlist.has(type)) {
      return fn(trace.getTracer('next.js').startSpan(type));
    }
    const spanContext: Context = context.active();
    const existingRootSpanId = spanContext.getValue(rootSpanIdKey);
    const isRootSpan = typeof existingRootSpanId !== 'number' || !rootSpanAttributesStore.has(existingRootSpanId);
    const spanId = getSpanId();

    return context.with(spanContext.setValue(rootSpanIdKey, spanId), () =>
      trace.getTracer('next.js').startActiveSpan(type, (span: Span) => {
        let cleanedUp = false;
        const onCleanup = () => {
          if (cleanedUp) return;
          cleanedUp = true;
          rootSpanAttributesStore.delete(spanId);
        };

        if (isRootSpan) {
          rootSpanAttributesStore.set(spanId, new Map(Object.entries(options.attributes ?? {})));
        }

        if (fn.length > 1) {
          try {
            return fn(span, (err) => (err ? closeSpanWithError(span, err) : span.end()));
          } catch (err: any) {
            closeSpanWithError(span, err);
            throw err;
          } finally {
            onCleanup();
          }
        }

        try {
          const result = fn(span);
          if (result && typeof (result as any).then === 'function') {
            return (result as any)
              .then((res: unknown) => {
                span.end();
                return res;
              })
              .catch((err: Error) => {
                closeSpanWithError(span, err);
                throw err;
              })
              .finally(onCleanup);
          }
          span.end();
          onCleanup();
          return result;
        } catch (err: any) {
          closeSpanWithError(span, err);
          onCleanup();
          throw err;
        }
      }),
    );
  }

  getRootSpanAttributes(): Map<string, AttributeValue> | undefined {
    const spanId = context.active().getValue(rootSpanIdKey) as number;
    return rootSpanAttributesStore.get(spanId);
  }
}

export const getTracer = (() => {
  const tracer = new NextTracerImpl();
  return () => tracer;
})();
