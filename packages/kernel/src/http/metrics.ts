import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  Counter,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
  type OpenMetricsContentType,
} from 'prom-client';
import { unauthorized } from '../errors/problem.ts';
import { exemplarLabels, tracingActive } from '../tracing/tracing.ts';

const durationBucketsS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Who may read /metrics. With a token, only a scraper sending `Authorization: Bearer <token>`.
 * Without one, anyone when `openWithoutToken` (standalone: a developer's machine), otherwise
 * nobody: the route is not served (distributed mode listens on 0.0.0.0 behind a load balancer,
 * and route names, error rates and process details are reconnaissance for an attacker).
 */
export interface MetricsAccess {
  token?: string | undefined;
  openWithoutToken: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares digests, so neither the token's length nor a prefix leaks through timing. */
function bearerMatches(req: FastifyRequest, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

/** The request's trace (tracing on, sampled), kept from onRequest for its duration's exemplar. */
const kExemplar = Symbol('request trace exemplar');
type WithExemplar = FastifyRequest & { [kExemplar]?: { trace_id: string } | undefined };

/**
 * Prometheus metrics: request count and duration by route template (never the raw URL, which
 * would explode label cardinality), method and status; plus Node process metrics.
 * One registry per app, so tests and several apps in one process do not collide.
 * With tracing on, the registry speaks OpenMetrics (the format that carries exemplars) and each
 * duration bucket carries the trace id of a recent request that fell in it (Prometheus keeps
 * them with `--enable-feature=exemplar-storage`; Grafana links them to the trace).
 */
export function registerMetrics(
  app: FastifyInstance,
  registry: Registry,
  access: MetricsAccess = { openWithoutToken: true },
): void {
  const exemplars = tracingActive();
  // (prom-client types a registry's format as fixed; it may change before metrics are scraped)
  if (exemplars)
    (registry as unknown as Registry<OpenMetricsContentType>).setContentType(
      Registry.OPENMETRICS_CONTENT_TYPE,
    );
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status_code'] as const;
  type Label = (typeof labelNames)[number];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames,
    buckets: durationBucketsS,
    registers: [registry],
    enableExemplars: exemplars,
  });
  // The request span is active in onRequest (after the tracing plugin's) and ended by onResponse.
  if (exemplars) {
    app.decorateRequest(kExemplar, undefined);
    // callback style: no promise per request
    app.addHook('onRequest', (req, _reply, done) => {
      (req as WithExemplar)[kExemplar] = exemplarLabels();
      done();
    });
  }
  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    const value = reply.elapsedTime / 1000;
    if (!exemplars) return duration.observe(labels, value);
    // prom-client types an exemplar's labels as the metric's own; they are free-form
    const exemplar = (req as WithExemplar)[kExemplar] as unknown as LabelValues<Label> | undefined;
    duration.observe({ labels, value, ...(exemplar ? { exemplarLabels: exemplar } : {}) });
  });
  const { token } = access;
  if (!token && !access.openWithoutToken) return;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token && !bearerMatches(req, token)) throw unauthorized('/metrics needs the metrics token');
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
