/**
 * The OpenTelemetry SDK side of tracing, imported only when tracing is on (tracing.ts loads it
 * on demand): the tracer provider, the exporter, the instrumentations.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Tracing, TracingOptions } from './tracing.ts';

/** Probes and scrapes are not traced: they would drown the requests people look for. */
const untracedPaths = /^\/(health|metrics)(\/|$|\?)/;

export function registerTracing(o: TracingOptions): Tracing {
  const processor = o.exporter
    ? new SimpleSpanProcessor(o.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(o.env) }));
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
    instrumentHandler: false, // the request span is enough; a handler span per request doubled the cost
    ignorePaths: (r) => untracedPaths.test(r.url),
    requestHook: (span, req) =>
      span.updateName(`${req.method} ${req.routeOptions.url ?? '(no route)'}`),
  });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new UndiciInstrumentation(), fastify],
  });
  return {
    provider,
    fastifyPlugin: fastify.plugin(),
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
const tracesUrl = (env: NodeJS.ProcessEnv): string =>
  env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ??
  `${(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').replace(/\/+$/, '')}/v1/traces`;
