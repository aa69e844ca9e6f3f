/**
 * OpenTelemetry tracing for a process: off and free unless OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (or a test hands an exporter). On, it registers a tracer provider (W3C trace context,
 * AsyncLocalStorage context), the undici instrumentation (every fetch: service calls over
 * HTTP) and returns the Fastify plugin that opens a span per request (@fastify/otel). The
 * logger's mixin (`traceLogFields`), the outbox (`traceparentNow`), the consumer runtime
 * (`withEventContext`), the database (`withDbSpan`) and batch writers (`withBatchSpan`) use
 * the helpers below; each is a plain call when tracing is off.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyPluginCallback } from 'fastify';

export type { SpanContext } from '@opentelemetry/api';

export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  env: NodeJS.ProcessEnv;
  /** a test's exporter (spans exported one by one, at once); otherwise OTLP over HTTP */
  exporter?: SpanExporter;
}

export interface Tracing {
  provider: TracerProvider;
  /** register before the routes: a span per request, named `METHOD /route/template` */
  fastifyPlugin: FastifyPluginCallback;
  shutdown(): Promise<void>;
}

const tracerName = '@redemption/kernel';
/** Probes and scrapes are not traced: they would drown the requests people look for. */
const untracedPaths = /^\/(health|metrics)(\/|$|\?)/;
/** A statement's text on its span is cut here (no parameter values are ever recorded). */
export const dbStatementChars = 300;

/** Whether a provider is registered (startTracing ran, shutdown not yet): the helpers' fast path. */
let active = false;

/** Starts tracing when asked to; undefined (nothing registered, no cost) otherwise. */
export function startTracing(o: TracingOptions): Tracing | undefined {
  const endpoint = o.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!o.exporter && !endpoint) return undefined;
  const processor = o.exporter
    ? new SimpleSpanProcessor(o.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(o.env, endpoint!) }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: o.serviceName,
      [ATTR_SERVICE_VERSION]: o.serviceVersion,
    }),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const fastify = new FastifyOtelInstrumentation({
    instrumentHooks: false,
    ignorePaths: (r) => untracedPaths.test(r.url),
    requestHook: (span, req) =>
      span.updateName(`${req.method} ${req.routeOptions.url ?? '(no route)'}`),
  });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new UndiciInstrumentation(), fastify],
  });
  active = true;
  return {
    provider,
    fastifyPlugin: fastify.plugin(),
    async shutdown() {
      active = false;
      unregister();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
const tracesUrl = (env: NodeJS.ProcessEnv, endpoint: string): string =>
  env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? `${endpoint.replace(/\/+$/, '')}/v1/traces`;

/** trace_id and span_id of the active span, for every log line (a pino `mixin`). */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!active) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

/** The active context as a W3C `traceparent` (for an event being published), if any. */
export function traceparentNow(): string | undefined {
  if (!active) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

/** The active span's context (a batch writer keeps it to link its batch span to the request). */
export const activeSpanContext = (): SpanContext | undefined =>
  active ? trace.getActiveSpan()?.spanContext() : undefined;

/** Runs `fn` in a new active span; ends it, recording a thrown error. */
async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; links?: Link[]; root?: boolean },
  parent: Context,
  fn: () => Promise<T>,
): Promise<T> {
  return trace
    .getTracer(tracerName)
    .startActiveSpan(name, options, parent, async (span: Span): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
}

/**
 * Runs an event's handler in a consumer span that continues the publisher's trace: the
 * event's `traceparent` becomes the parent, so a checkout's trace reaches its consumers.
 */
export function withEventContext<T>(
  event: { type: string; traceparent?: string | undefined },
  group: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!active) return fn();
  const parent: Context = event.traceparent
    ? propagation.extract(context.active(), { traceparent: event.traceparent })
    : context.active();
  const attributes = {
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': group,
    'messaging.destination.name': event.type,
  };
  return inSpan(`consume ${event.type}`, { kind: SpanKind.CONSUMER, attributes }, parent, fn);
}

/**
 * A batch that serves many requests (the ledger's): a new trace of its own, linked to the
 * span of each request it carries (OpenTelemetry's pattern for batches), so the work is
 * counted once and each request's trace points at it.
 */
export function withBatchSpan<T>(
  name: string,
  requests: ReadonlyArray<SpanContext | undefined>,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!active) return fn();
  const links = requests.flatMap((c) => (c ? [{ context: c }] : []));
  const options = { kind: SpanKind.INTERNAL, attributes, links, root: true };
  return inSpan(name, options, context.active(), fn);
}

/** A span per SQL statement: its text cut to `dbStatementChars`, never its parameters. */
export function withDbSpan<T>(system: string, sql: string, fn: () => Promise<T>): Promise<T> {
  if (!active || !trace.getActiveSpan()) return fn(); // no statement spans outside a trace
  const statement = sql.replace(/\s+/g, ' ').trim().slice(0, dbStatementChars);
  const attributes = { 'db.system.name': system, 'db.query.text': statement };
  const name = `${system} ${statement.split(' ', 1)[0]!.toUpperCase()}`;
  return inSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active(), fn);
}
