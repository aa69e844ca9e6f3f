/** The table `npm run chaos` prints: one row per fault. */
import type { Tally } from './chaos-load.ts';

export interface Row {
  fault: string;
  tally: Tally;
  recoverS: string;
  invariants: string;
  /** Why the fault did not run (printed in the row), or undefined. */
  skipped?: string;
}

/** 5xx and no answer, counted over every attempt. */
export const serverErrors = (t: Tally): number =>
  Object.entries(t.byStatus)
    .filter(([s]) => Number(s) >= 500 || s === '0')
    .reduce((n, [, c]) => n + c, 0);

function line(r: Row): string {
  if (r.skipped) return `| ${r.fault} | - | - | - | - | - | skipped: ${r.skipped} |`;
  const by = Object.entries(r.tally.byStatus)
    .map(([s, c]) => `${s === '0' ? 'none' : s}: ${c}`)
    .join(', ');
  return `| ${r.fault} | ${r.tally.requests} | ${by} | ${serverErrors(r.tally)} | ${r.tally.failed} | ${r.recoverS} | ${r.invariants} |`;
}

export function table(rows: Row[]): string {
  const head =
    '| fault | requests | answers (every attempt) by status | 5xx | failed after retries | time to recover (s) | invariants |';
  const problems = rows.flatMap((r) =>
    Object.entries(r.tally.problems).map(([what, n]) => `  ${r.fault}: ${what} ×${n}`),
  );
  return [
    head,
    '|---|---|---|---|---|---|---|',
    ...rows.map(line),
    '',
    'refusals and errors:',
    ...problems,
  ].join('\n');
}

/** A run fails when an invariant broke or a request still failed after its retries. */
export const failed = (rows: Row[]): boolean =>
  rows.some((r) => !r.skipped && (!r.invariants.startsWith('held') || r.tally.failed > 0));
