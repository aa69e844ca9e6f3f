import { ProblemError, type App } from '@redemption/kernel';

interface Answer {
  status: number;
  body: unknown;
}
type Snapshot = {
  at: string;
  requests_total: number;
  requests_429: number;
  orders_created: number;
  redemptions: number;
  latency_buckets: Array<{ le: number; count: number }>;
};
interface DeadLetter {
  id: string;
  created_at: string;
}

/**
 * The admin console's operations routes in distributed mode. Every `serve <service>` process
 * answers /api/admin/* for itself (its own counters, its own database's dead letters); the
 * gateway asks each upstream with the caller's own bearer token (each checks the admin role)
 * and combines: counters and latency buckets summed, dead letters merged newest first (one
 * shared database lists the same letter from several processes: kept once), a replay sent to
 * each until one owns the letter.
 */
export function gatewayAdminRoutes(app: App, upstreams: readonly string[], timeoutMs: number) {
  async function ask(
    base: string,
    path: string,
    authorization: string | undefined,
    method = 'GET',
  ) {
    const res = await fetch(new URL(path, base), {
      method,
      headers: authorization ? { authorization } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
  }
  const askAll = (path: string, authorization: string | undefined, method = 'GET') =>
    Promise.all(upstreams.map((u) => ask(u, path, authorization, method)));
  /** A refusal (401/403) from any upstream is the answer: never a partial view for a non-admin. */
  const refusal = (answers: Answer[]): Answer | undefined =>
    answers.find((a) => a.status === 401 || a.status === 403);
  const unavailable = () =>
    new ProblemError(502, 'upstream-unavailable', 'Bad gateway', 'No service answered');

  app.get('/api/admin/metrics', {
    config: { public: true }, // each upstream checks the token itself
    schema: { hide: true },
    handler: async (req, reply) => {
      const answers = await askAll('/api/admin/metrics', req.headers.authorization);
      const refused = refusal(answers);
      if (refused)
        return reply.code(refused.status).type('application/problem+json').send(refused.body);
      const snapshots = answers.filter((a) => a.status === 200).map((a) => a.body as Snapshot);
      if (snapshots.length === 0) throw unavailable();
      const buckets = new Map<number, number>();
      for (const s of snapshots)
        for (const b of s.latency_buckets) buckets.set(b.le, (buckets.get(b.le) ?? 0) + b.count);
      const total = (k: 'requests_total' | 'requests_429' | 'orders_created' | 'redemptions') =>
        snapshots.reduce((n, s) => n + s[k], 0);
      return {
        at: new Date().toISOString(),
        requests_total: total('requests_total'),
        requests_429: total('requests_429'),
        orders_created: total('orders_created'),
        redemptions: total('redemptions'),
        latency_buckets: [...buckets.entries()]
          .sort(([a], [b]) => a - b)
          .map(([le, count]) => ({ le, count })),
      };
    },
  });

  app.get('/api/admin/dead-letters', {
    config: { public: true },
    schema: { hide: true },
    handler: async (req, reply) => {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const answers = await askAll(`/api/admin/dead-letters${query}`, req.headers.authorization);
      const refused = refusal(answers) ?? answers.find((a) => a.status === 400);
      if (refused)
        return reply.code(refused.status).type('application/problem+json').send(refused.body);
      const byId = new Map<string, DeadLetter>();
      for (const a of answers.filter((x) => x.status === 200))
        for (const d of (a.body as { items: DeadLetter[] }).items) byId.set(d.id, d);
      return {
        items: [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)),
      };
    },
  });

  app.post('/api/admin/dead-letters/:id/replay', {
    config: { public: true },
    schema: { hide: true },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const path = `/api/admin/dead-letters/${encodeURIComponent(id)}/replay`;
      let last: Answer | undefined;
      // One at a time: the letter must be replayed once, by the process whose database has it.
      for (const u of upstreams) {
        last = await ask(u, path, req.headers.authorization, 'POST');
        if (
          last.status === 200 ||
          last.status === 401 ||
          last.status === 403 ||
          last.status === 400
        )
          break;
      }
      if (!last) throw unavailable();
      return reply
        .code(last.status)
        .type(last.status === 200 ? 'application/json' : 'application/problem+json')
        .send(last.body);
    },
  });
}
