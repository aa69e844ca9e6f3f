import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
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
          results[c.name] = `failed: ${(err as Error).message}`;
        }
      }),
    );
    const ok = Object.values(results).every((r) => r === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', checks: results });
  });
}
