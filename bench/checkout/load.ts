/**
 * The load generator, in its own process (autocannon): `node load.ts <job.json>` prints one
 * JSON line with throughput, latency percentiles and status counts. A job either repeats one
 * GET or sends checkouts, each with its own Idempotency-Key and a member's token in turn.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  connections: number;
  durationS: number;
  kind: 'get' | 'get-distinct' | 'checkout';
  path: string;
  /** checkout: members' tokens and the order body to send. */
  tokens?: string[];
  /** Sent in turn, so orders spread over several products. */
  orderBodies?: unknown[];
  /** Requests per second from all connections together (autocannon's overallRate); no cap if unset. */
  overallRate?: number;
}

export interface LoadResult {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  statuses: Record<string, number>;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadJob;
let n = 0;

const request = (): autocannon.Request => {
  if (job.kind === 'get') return { method: 'GET', path: job.path };
  if (job.kind === 'get-distinct')
    // A different query each time: every request misses the cache and reaches PostgreSQL.
    return { method: 'GET', path: `${job.path}&min_price=${n++ % 1_000_000}` };
  const i = n++;
  const token = job.tokens![i % job.tokens!.length]!;
  return {
    method: 'POST',
    path: job.path,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(job.orderBodies![i % job.orderBodies!.length]),
  };
};

const r = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationS,
  ...(job.overallRate ? { overallRate: job.overallRate } : {}),
  requests: [{ setupRequest: (req) => ({ ...req, ...request() }) }],
});
const statuses: Record<string, number> = {};
for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = s.count ?? 0;
if (r.errors > 0) statuses['error'] = r.errors;
if (r.timeouts > 0) statuses['timeout'] = r.timeouts;
const result: LoadResult = {
  requestsPerS: r.requests.average,
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  total: r.requests.total,
  statuses,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
