/**
 * OpenTelemetry tracing for a process: off and free unless OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (or a test hands an exporter). On, tracing-sdk.ts registers a tracer provider (W3C trace
 * context, AsyncLocalStorage context), the undici instrumentation (every fetch: service calls
 * over HTTP) and the Fastify plugin that opens a span per request (@fastify/otel). The
 * logger's mixin (`traceLogFields`), the outbox (`traceparentNow`), the consumer runtime
 * (`withEventContext`), the Kafka relay (`withSendSpan`), the database (`withDbSpan`) and batch
 * writers (`withBatchSpan`) use the helpers below; each is a plain call when tracing is off.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TracerProvider,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
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
/** A statement's text on its span is cut here (no parameter values are ever recorded). */
export const dbStatementChars = 300;

/** Whether a provider is registered (startTracing ran, shutdown not yet): the helpers' fast path. */
let active = false;

/**
 * Starts tracing when asked to; undefined (nothing registered, no cost) otherwise. The SDK
 * and instrumentations are loaded only then: a process without tracing never imports them.
 */
export async function startTracing(o: TracingOptions): Promise<Tracing | undefined> {
  if (!o.exporter && !o.env['OTEL_EXPORTER_OTLP_ENDPOINT']) return undefined;
  const { registerTracing } = await import('./tracing-sdk.ts');
  const started = registerTracing(o);
  active = true;
  return {
    ...started,
    async shutdown() {
      active = false;
      await started.shutdown();
    },
  };
}

/** trace_id and span_id of the active span, for every log line (a pino `mixin`). */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!active) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

/** Whether tracing is on in this process (a provider registered, not shut down). */
export const tracingActive = (): boolean => active;

/**
 * The active span's trace id as an exemplar's labels, when its trace is sampled (kept): an
 * exemplar must point at a trace the backend has. Undefined otherwise, or with tracing off.
 */
export function exemplarLabels(): { trace_id: string } | undefined {
  if (!active) return undefined;
  const c = trace.getActiveSpan()?.spanContext();
  if (!c || (c.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: c.traceId };
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

/**
 * A batch of events produced to a broker (the Kafka relay's): one `send` producer span, a
 * trace of its own linked to each event's publisher through its `traceparent` (OpenTelemetry's
 * messaging conventions for a batch). The consumers continue the publisher's trace itself.
 */
export function withSendSpan<T>(
  system: string,
  topics: ReadonlySet<string>,
  traceparents: ReadonlyArray<string | null | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  if (!active) return fn();
  const links: Link[] = [];
  for (const tp of traceparents) {
    if (!tp) continue;
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: tp }));
    if (linked) links.push({ context: linked });
  }
  const only = topics.size === 1 ? [...topics][0]! : undefined;
  const attributes: Attributes = {
    'messaging.system': system,
    'messaging.operation.type': 'send',
    'messaging.batch.message_count': traceparents.length,
    ...(only ? { 'messaging.destination.name': only } : {}),
  };
  const options = { kind: SpanKind.PRODUCER, attributes, links, root: true };
  return inSpan(only ? `send ${only}` : 'send', options, context.active(), fn);
}

/**
 * Statements' span name and text, by SQL string: the statements are a few hundred literals in
 * the code, so each is tidied once rather than on every run. Dropped whole when full (a caller
 * building SQL text per call would otherwise grow it without end).
 */
const dbStatements = new Map<string, { name: string; text: string }>();
const dbStatementsMax = 2_000;

function dbStatement(system: string, sql: string): { name: string; text: string } {
  const key = `${system}\u0000${sql}`;
  let s = dbStatements.get(key);
  if (!s) {
    const text = sql.replace(/\s+/g, ' ').trim().slice(0, dbStatementChars);
    s = { name: `${system} ${text.split(' ', 1)[0]!.toUpperCase()}`, text };
    if (dbStatements.size >= dbStatementsMax) dbStatements.clear();
    dbStatements.set(key, s);
  }
  return s;
}

/** A span per SQL statement: its text cut to `dbStatementChars`, never its parameters. */
export function withDbSpan<T>(system: string, sql: string, fn: () => Promise<T>): Promise<T> {
  // no statement spans outside a trace, nor in one sampled out (OTEL_TRACES_SAMPLER)
  if (!active || trace.getActiveSpan()?.isRecording() !== true) return fn();
  const { name, text } = dbStatement(system, sql);
  const attributes = { 'db.system.name': system, 'db.query.text': text };
  return inSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active(), fn);
}
