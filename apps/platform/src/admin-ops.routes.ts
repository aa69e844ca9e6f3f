import { Type } from 'typebox';
import type { Registry } from 'prom-client';
import {
  deadLettersPageMax,
  listDeadLetters,
  notFound,
  problemResponses,
  replayDeadLetter,
  requireAdmin,
  Uuid,
  type App,
  type Db,
} from '@redemption/kernel';
import { registerDeadLetterMetrics } from './dead-letter.metrics.ts';

const tags = ['operations (admin)'];
const deadLettersPageDefault = 50;

/** Ledger operation kinds that spend a member's points (what the dashboard calls redemptions). */
const redemptionKinds = new Set(['redeem', 'claim', 'capture']);

const Int = Type.Integer({ minimum: 0 });
export const MetricsSnapshot = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    requests_total: Int,
    requests_429: Int,
    orders_created: Int,
    redemptions: Int,
    latency_buckets: Type.Array(
      Type.Object({ le: Type.Number(), count: Int }, { additionalProperties: false }),
      { description: 'cumulative count of API responses at or under `le` seconds (last: +Inf)' },
    ),
  },
  {
    description:
      'Counters since this process started; a dashboard samples twice and divides the difference by the time between (rates, windowed p99)',
  },
);

const DeadLetterView = Type.Object({
  id: Type.String(),
  group_name: Type.String(),
  topic: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  error: Type.String(),
  attempts: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  replayed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

interface Sample {
  labels: Record<string, string | number>;
  value: number;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as Sample[];
}

const isApi = (s: Sample): boolean => String(s.labels['route'] ?? '').startsWith('/api/');
const sum = (xs: Sample[]): number => xs.reduce((n, s) => n + s.value, 0);

/** The counters the operations dashboard needs, read from this process's own registry. */
export async function metricsSnapshot(registry: Registry) {
  const requests = (await samples(registry, 'http_requests_total')).filter(isApi);
  const ops = await samples(registry, 'ledger_operations_total');
  const buckets = new Map<number, number>();
  const durations = (await registry.getSingleMetric('http_request_duration_seconds')?.get())
    ?.values as Array<Sample & { metricName?: string }> | undefined;
  for (const s of durations ?? []) {
    if (!s.metricName?.endsWith('_bucket') || !isApi(s)) continue;
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return {
    at: new Date().toISOString(),
    requests_total: sum(requests),
    requests_429: sum(requests.filter((s) => String(s.labels['status_code']) === '429')),
    orders_created: sum(
      requests.filter(
        (s) =>
          s.labels['route'] === '/api/orders' &&
          s.labels['method'] === 'POST' &&
          String(s.labels['status_code']) === '201',
      ),
    ),
    redemptions: sum(
      ops.filter(
        (s) => redemptionKinds.has(String(s.labels['kind'])) && s.labels['outcome'] === 'accepted',
      ),
    ),
    // JSON has no Infinity: the last bucket is sent with le = 1e9 seconds, read as "+Inf".
    latency_buckets: [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([le, count]) => ({ le: Number.isFinite(le) ? le : 1e9, count })),
  };
}

/**
 * Operations for the admin console: the metrics the dashboard charts (as JSON, so the browser
 * never parses Prometheus text and /metrics can be locked away) and the dead-letter queue.
 */
export async function adminOpsRoutes(
  app: App,
  db: Db,
  opts: { eventPartitions: number },
): Promise<void> {
  registerDeadLetterMetrics(app.metricsRegistry, db, app.log);
  app.get('/api/admin/metrics', {
    schema: {
      tags,
      operationId: 'getAdminMetrics',
      summary: "This process's request, order and redemption counters (admin)",
      response: { 200: MetricsSnapshot, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      return metricsSnapshot(app.metricsRegistry);
    },
  });

  app.get('/api/admin/dead-letters', {
    schema: {
      tags,
      operationId: 'listDeadLetters',
      summary: 'Dead-lettered events, newest first (admin)',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: deadLettersPageMax, default: 50 }),
        include_replayed: Type.Boolean({ default: false }),
      }),
      response: {
        200: Type.Object({ items: Type.Array(DeadLetterView) }),
        ...problemResponses(403),
      },
    },
    handler: async (req) => {
      requireAdmin(req);
      const rows = await listDeadLetters(db, {
        limit: req.query.limit ?? deadLettersPageDefault,
        includeReplayed: req.query.include_replayed,
      });
      return {
        items: rows.map((r) => ({
          ...r,
          created_at: r.created_at.toISOString(),
          replayed_at: r.replayed_at?.toISOString() ?? null,
        })),
      };
    },
  });

  app.post('/api/admin/dead-letters/:id/replay', {
    schema: {
      tags,
      operationId: 'replayDeadLetter',
      summary: 'Re-drive one dead letter through its consumer group (admin)',
      params: Type.Object({ id: Uuid }),
      response: {
        200: Type.Object({ id: Type.String(), replayed: Type.Boolean() }),
        ...problemResponses(403, 404),
      },
    },
    handler: async (req) => {
      requireAdmin(req);
      if (!(await replayDeadLetter(db, req.params.id, opts.eventPartitions)))
        throw notFound('dead letter that is not yet replayed');
      return { id: req.params.id, replayed: true };
    },
  });
}
