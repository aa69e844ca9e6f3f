import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /**
   * The process still serves without it, degraded (Redis: per-process limits, the database for
   * the cache; Kafka: the outbox keeps accepting). Its failure shows as `degraded: …` and the
   * answer stays 200: were it 503, a load balancer would take every pod out at once and turn a
   * degraded dependency into a full outage (decision 023).
   */
  degradable?: boolean;
}

const checkTimeoutMs = 2_000;

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/health/live`: the process answers. `/health/ready`: every dependency (database, broker,
 * cache) answers within a bound; 503 otherwise, and while shutting down, so a load balancer
 * stops sending traffic before the drain.
 */
export function registerHealth(
  app: FastifyInstance,
  checks: () => readonly ReadinessCheck[],
  isClosing: () => boolean,
): void {
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { hide: true } }, async (_req, reply) => {
    if (isClosing()) return reply.code(503).send({ status: 'shutting-down', checks: {} });
    const results: Record<string, string> = {};
    await Promise.all(
      checks().map(async (c) => {
        try {
          await withTimeout(c.check(), checkTimeoutMs);
          results[c.name] = 'ok';
        } catch (err) {
          const why = (err as Error).message;
          results[c.name] = c.degradable ? `degraded: ${why}` : `failed: ${why}`;
        }
      }),
    );
    const values = Object.values(results);
    const ok = !values.some((r) => r.startsWith('failed'));
    const status = !ok ? 'not-ready' : values.every((r) => r === 'ok') ? 'ready' : 'degraded';
    return reply.code(ok ? 200 : 503).send({ status, checks: results });
  });
}
