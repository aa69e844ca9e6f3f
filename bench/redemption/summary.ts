/** The final table (goals met or not) and what limits each result. */
import type { DropFacts } from './checks.ts';
import type { PgbenchResult } from './pgbench.ts';
import type { PhaseResult } from './phase.ts';
import { goalRow, int, ledgerReading, limitReading, ms, table, type GoalRow } from './report.ts';

export interface Outcome {
  pgb: [PgbenchResult, PgbenchResult] | undefined;
  red: { max: PhaseResult; open: PhaseResult; rate: number };
  drops: { hot: PhaseResult; race: PhaseResult; raceFacts: DropFacts };
  rss: { peakMiB: number; rssMiB: number };
  ledger: { problems: string[]; byKind: Record<string, number> };
  /** 201s the load generators saw for redemptions, warm-up included. */
  redeemOk: number;
}

export interface Targets {
  soldOutQuantity: number;
  members: number;
  cores: number;
  goals: { tpcbX: number; hotRowX: number; p99Ms: number; peakRssMiB: number };
}

const row = (what: string, ours: string, goal: string, met: boolean): GoalRow => ({
  what,
  postgres: '',
  ours,
  ratio: '',
  goal,
  met,
});

function goalRows(o: Outcome, t: Targets): GoalRow[] {
  const [tpcb, hot] = o.pgb ?? [undefined, undefined];
  const { race, raceFacts: f } = o.drops;
  const sold = race.load.count(201);
  const others = race.load.total - sold - race.load.count(410);
  const q = t.soldOutQuantity;
  const exact = sold === q && f.sold === q && f.claims === q && f.claimants === q;
  const committed = o.ledger.byKind['redeem'] ?? 0;
  const problems = o.ledger.problems;
  return [
    goalRow(
      '1 redemptions/s vs TPC-B-like -s 10 -c 16',
      tpcb?.tps ?? NaN,
      o.red.max.okPerS,
      '/s',
      t.goals.tpcbX,
    ),
    goalRow(
      '2 claims/s on one drop vs hot row -s 1 -c 16',
      hot?.tps ?? NaN,
      o.drops.hot.okPerS,
      '/s',
      t.goals.hotRowX,
    ),
    row(
      `3 redemption latency @ ${int(o.red.rate)}/s open-loop`,
      `p50 ${ms(o.red.open.p50)}, p99 ${ms(o.red.open.p99)}`,
      `p99 <= ${t.goals.p99Ms} ms`,
      o.red.open.p99 <= t.goals.p99Ms,
    ),
    row(
      '3 peak RSS of serve loyalty (VmHWM)',
      `${o.rss.peakMiB.toFixed(0)} MiB`,
      `< ${t.goals.peakRssMiB} MiB`,
      o.rss.peakMiB < t.goals.peakRssMiB,
    ),
    row(
      `4 sell-out ${int(q)} units / ${int(t.members)} members`,
      `sold ${sold}, 410: ${int(race.load.count(410))}, other: ${others}, ${(race.load.elapsedMs / 1_000).toFixed(2)} s, 429s retried: ${int(race.load.shedRetries)}`,
      `exactly ${int(q)}`,
      exact && others === 0,
    ),
    row(
      '  SQL: drops.sold = count(claims) = claimants',
      `${f.sold} = ${f.claims} = ${f.claimants} (quantity ${f.quantity})`,
      `= ${int(q)}`,
      exact,
    ),
    row(
      '  ledger invariants; redeem 201s = committed',
      `${problems.length ? problems.join('; ') : 'all hold'}; ${int(o.redeemOk)} = ${int(committed)}`,
      'consistent',
      problems.length === 0 && o.redeemOk === committed,
    ),
  ];
}

/** Prints the goals table and the reading of each limit; true when every goal is met. */
export function summary(o: Outcome, t: Targets): boolean {
  const rows = goalRows(o, t);
  console.log('');
  table(rows).forEach((l) => console.log(l));
  console.log('\nwhat limits each result:');
  const phases: Array<[string, PhaseResult]> = [
    ['redemptions max', o.red.max],
    ['redemption latency', o.red.open],
    ['claims on one drop', o.drops.hot],
    ['sell-out', o.drops.race],
  ];
  if (o.pgb) {
    console.log(`  ${'pgbench -s 10:'.padEnd(21)} ${limitReading(o.pgb[0].cpu, t.cores)}`);
    console.log(`  ${'pgbench -s 1:'.padEnd(21)} ${limitReading(o.pgb[1].cpu, t.cores)}`);
  }
  for (const [name, p] of phases) {
    console.log(`  ${`${name}:`.padEnd(21)} ${limitReading(p.cpu, t.cores)}`);
    console.log(`  ${''.padEnd(21)} ${ledgerReading(p)}`);
  }
  return rows.every((r) => r.met);
}
