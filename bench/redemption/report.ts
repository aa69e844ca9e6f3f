/** Text output: the goals table, per-phase details and a reading of what limits each result. */
import type { CpuReport } from './cpu.ts';
import type { PhaseResult } from './phase.ts';

const cpuBoundShare = 0.85;
const ioBoundCores = 0.3;

export const int = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
export const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '-');
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');

export interface GoalRow {
  what: string;
  postgres: string;
  ours: string;
  ratio: string;
  goal: string;
  met: boolean;
}

export function goalRow(
  what: string,
  pgTps: number,
  ours: number,
  unit: string,
  goalX: number,
): GoalRow {
  return {
    what,
    postgres: `${int(pgTps)} tps`,
    ours: `${int(ours)} ${unit}`,
    ratio: ratio(ours, pgTps),
    goal: `>= ${goalX}x`,
    met: ours >= goalX * pgTps,
  };
}

export function table(rows: GoalRow[]): string[] {
  const head: GoalRow = {
    what: 'measure',
    postgres: 'pgbench',
    ours: 'redemption',
    ratio: 'ratio',
    goal: 'goal',
    met: true,
  };
  const cols: Array<keyof Omit<GoalRow, 'met'>> = ['what', 'postgres', 'ours', 'ratio', 'goal'];
  const width = (k: (typeof cols)[number]): number =>
    Math.max(...[head, ...rows].map((r) => r[k].length));
  const line = (r: GoalRow, met: string): string =>
    `${cols.map((k) => r[k].padEnd(width(k))).join('  ')}  ${met}`;
  return [
    line(head, 'met?'),
    '-'.repeat(line(head, 'met?').length + 2),
    ...rows.map((r) => line(r, r.met ? 'YES' : 'NO')),
  ];
}

export function cpuLine(c: CpuReport): string {
  const parts = Object.entries(c.cores)
    .filter(([, v]) => v >= 0.005)
    .map(([g, v]) => `${g} ${v.toFixed(2)}`);
  return `cpu (cores busy): ${parts.join(', ')}; machine busy ${c.machineBusy.toFixed(2)}, iowait ${c.machineIowait.toFixed(2)}`;
}

export function dbLine(db: Array<[string, number]>): string {
  const total = db.reduce((n, [, v]) => n + v, 0);
  const parts = db.filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${v.toFixed(1)}`);
  return `db connections (mean of ${total.toFixed(1)}): ${parts.join(', ')}`;
}

export function phaseLines(p: PhaseResult): string[] {
  const statuses = Object.entries(p.load.statuses)
    .sort()
    .map(([s, n]) => `${s}: ${int(n)}`)
    .join(', ');
  const outcomes = Object.entries(p.outcomes)
    .map(([k, n]) => `${k} ${int(n)}`)
    .join(', ');
  const lines = [
    `${p.label}: ${int(p.load.total)} requests in ${(p.load.elapsedMs / 1_000).toFixed(1)} s (${statuses}${p.load.shedRetries ? `; ${int(p.load.shedRetries)} 429s sent again after Retry-After` : ''}); ${int(p.okPerS)} ok/s; latency p50 ${ms(p.p50)} p99 ${ms(p.p99)} max ${ms(p.max)}`,
    `  server-side duration (Fastify histogram buckets): p50 <= ${ms(p.server.p50UpToMs)}, p99 <= ${ms(p.server.p99UpToMs)}`,
    `  ledger: ${int(p.batches)} batches, mean ${p.meanBatch.toFixed(1)} ops/batch, one every ${ms(p.load.elapsedMs / (p.batches || 1))} (batches run one at a time per process); ops ${outcomes}`,
    `  ${cpuLine(p.cpu)}`,
    `  ${dbLine(p.db)}`,
    `  service: event-loop delay (10 ms probe included) mean ${ms(p.node.loopMeanMs)} p99 ${ms(p.node.loopP99Ms)} max ${ms(p.node.loopMaxMs)}; GC ${ms(p.node.gcMs)} in total, ${p.node.gcOver100Ms} pauses > 100 ms; V8 heap used ${p.node.heapUsedMiB.toFixed(0)} of ${p.node.heapTotalMiB.toFixed(0)} MiB; peak RSS so far ${p.peakRssMiB.toFixed(0)} MiB`,
  ];
  for (const s of p.load.samples)
    lines.push(
      `  unexpected: ${s.status} POST ${s.path} member=${s.member} key=${s.idempotencyKey} -> ${s.body}`,
    );
  return lines;
}

/** A one-line reading of the limit, from the CPU split (heuristic; the numbers are printed too). */
export function limitReading(c: CpuReport, cores: number): string {
  const top = Object.entries(c.cores).sort((a, b) => b[1] - a[1]);
  const split = top
    .filter(([, v]) => v >= 0.05)
    .map(([g, v]) => `${g} ${((v / cores) * 100).toFixed(0)}%`)
    .join(', ');
  if (c.machineBusy >= cpuBoundShare * cores)
    return `CPU-bound: ${c.machineBusy.toFixed(2)} of ${cores} cores busy (${split} of the machine)`;
  if (c.machineIowait >= ioBoundCores)
    return `I/O-bound: ${c.machineIowait.toFixed(2)} cores waiting on disk (WAL fsync), CPU ${c.machineBusy.toFixed(2)} of ${cores} (${split})`;
  return `not saturated (CPU ${c.machineBusy.toFixed(2)} of ${cores}, iowait ${c.machineIowait.toFixed(2)}): latency-bound, i.e. waiting on round trips and commits (${split})`;
}

/** The ledger's side: serial batches, time per op within them, who waits on whom. */
export function ledgerReading(p: PhaseResult): string {
  const batchMs = p.load.elapsedMs / (p.batches || 1);
  const share = (state: string): number => p.db.find(([k]) => k === state)?.[1] ?? 0;
  const active = p.db.filter(([k]) => k.startsWith('active')).reduce((n, [, v]) => n + v, 0);
  return (
    `ledger: one batch at a time, ${p.meanBatch.toFixed(1)} ops every ${ms(batchMs)} ` +
    `(${ms(batchMs / (p.meanBatch || 1))} per op); db connections waiting on Node (idle in transaction) ` +
    `${share('idle in transaction').toFixed(1)}, working or waiting in PostgreSQL ${active.toFixed(1)}; ` +
    `event-loop delay mean ${ms(p.node.loopMeanMs)} (10 ms probe included), service CPU ${p.cpu.cores.service.toFixed(2)} cores`
  );
}
