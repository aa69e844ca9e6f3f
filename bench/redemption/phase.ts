/** One measured load phase: the requests' outcome, the CPU split and the ledger's batching. */
import { watchCpu, type CpuReport, type Group } from './cpu.ts';
import { percentile, type LoadPool, type Merged } from './load-pool.ts';
import type { Job } from './load-types.ts';
import { checkpoint, memoryOf } from './machine.ts';
import { watchActivity } from './pg-activity.ts';
import { metricValue, type Service } from './service.ts';

export interface PhaseResult {
  label: string;
  load: Merged;
  cpu: CpuReport;
  /** Ledger batches committed during the phase and their mean size. */
  batches: number;
  meanBatch: number;
  /** Server-side duration (Fastify, bucketed): the bucket bounds holding p50 and p99, ms. */
  server: { p50UpToMs: number; p99UpToMs: number };
  /** Ledger operations decided during the phase, by `kind outcome` (e.g. `claim sold-out`). */
  outcomes: Record<string, number>;
  /** Successful (2xx) responses per second over the phase. */
  okPerS: number;
  p50: number;
  p99: number;
  max: number;
  /** Mean number of the service's database connections in each state. */
  db: Array<[string, number]>;
  /** Service peak RSS (VmHWM) after this phase, MiB. */
  peakRssMiB: number;
  /** The service's own view at the end of the phase (prom-client default metrics). */
  node: {
    loopMeanMs: number;
    loopP99Ms: number;
    loopMaxMs: number;
    /** Time in garbage collection during the phase, and the longest single pause bucket. */
    gcMs: number;
    gcOver100Ms: number;
    heapUsedMiB: number;
    heapTotalMiB: number;
  };
}

const mib = 1024 * 1024;
const routes: Record<Job['kind'], string> = {
  earn: '/api/loyalty/earn',
  redeem: '/api/loyalty/redemptions',
  claim: '/api/loyalty/drops/:id/claims',
};

export interface PhaseContext {
  databaseUrl: string;
  pool: LoadPool;
  service: Service;
}

export async function measure(ctx: PhaseContext, label: string, job: Job): Promise<PhaseResult> {
  await checkpoint(ctx.databaseUrl);
  const before = await ctx.service.metrics();
  const loadPids = new Set(ctx.pool.pids);
  const activity = await watchActivity(ctx.databaseUrl, 'loyalty');
  const watch = watchCpu((pid): Group | undefined => {
    if (pid === ctx.service.pid) return 'service';
    if (loadPids.has(pid)) return 'bench';
    return activity.ourPids.has(pid) ? 'postgres' : undefined;
  });
  const load = await ctx.pool.run(job);
  const cpu = watch.stop();
  const db = await activity.stop();
  const after = await ctx.service.metrics();
  const delta = (name: string): number => metricValue(after, name) - metricValue(before, name);
  const batches = delta('ledger_batch_size_count');
  const ok = Object.entries(load.statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  return {
    label,
    load,
    cpu,
    batches,
    meanBatch: batches ? delta('ledger_batch_size_sum') / batches : 0,
    outcomes: outcomeDeltas(before, after),
    server: serverDurations(before, after, routes[job.kind]),
    okPerS: ok / (load.elapsedMs / 1_000),
    p50: percentile(load.latencies, 50),
    p99: percentile(load.latencies, 99),
    max: load.latencies.length ? load.latencies[load.latencies.length - 1]! : NaN,
    db,
    peakRssMiB: memoryOf(ctx.service.pid).peakMiB,
    node: {
      // The event-loop delay histogram restarts at every scrape: these cover this phase.
      loopMeanMs: metricValue(after, 'nodejs_eventloop_lag_mean_seconds') * 1_000,
      loopP99Ms: metricValue(after, 'nodejs_eventloop_lag_p99_seconds') * 1_000,
      loopMaxMs: metricValue(after, 'nodejs_eventloop_lag_max_seconds') * 1_000,
      gcMs: delta('nodejs_gc_duration_seconds_sum') * 1_000,
      gcOver100Ms:
        delta('nodejs_gc_duration_seconds_count') -
        (metricValue(after, 'nodejs_gc_duration_seconds_bucket', 'le="0.1"') -
          metricValue(before, 'nodejs_gc_duration_seconds_bucket', 'le="0.1"')),
      heapUsedMiB: metricValue(after, 'nodejs_heap_size_used_bytes') / mib,
      heapTotalMiB: metricValue(after, 'nodejs_heap_size_total_bytes') / mib,
    },
  };
}

const opsLine = /^ledger_operations_total\{kind="([^"]+)",outcome="([^"]+)"\} (\S+)$/;

function outcomeDeltas(before: string, after: string): Record<string, number> {
  const read = (text: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const line of text.split('\n')) {
      const x = opsLine.exec(line);
      if (x) m.set(`${x[1]} ${x[2]}`, Number(x[3]));
    }
    return m;
  };
  const b = read(before);
  const out: Record<string, number> = {};
  for (const [k, v] of read(after)) if (v - (b.get(k) ?? 0) > 0) out[k] = v - (b.get(k) ?? 0);
  return out;
}

const bucketLine = /^http_request_duration_seconds_bucket\{(.*)\} (\S+)$/;

/** Per `le` bound (seconds), requests of `route` (all statuses) at most that long. */
function buckets(text: string, route: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of text.split('\n')) {
    const x = bucketLine.exec(line);
    if (!x || !x[1]!.includes(`route="${route}"`)) continue;
    const le = /le="([^"]+)"/.exec(x[1]!)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    m.set(bound, (m.get(bound) ?? 0) + Number(x[2]));
  }
  return m;
}

function serverDurations(before: string, after: string, route: string): PhaseResult['server'] {
  const b = buckets(before, route);
  const cum = [...buckets(after, route).entries()]
    .map(([le, n]): [number, number] => [le, n - (b.get(le) ?? 0)])
    .sort((x, y) => x[0] - y[0]);
  const total = cum.at(-1)?.[1] ?? 0;
  const upTo = (q: number): number =>
    (cum.find(([, n]) => total > 0 && n >= q * total)?.[0] ?? NaN) * 1_000;
  return { p50UpToMs: upTo(0.5), p99UpToMs: upTo(0.99) };
}
