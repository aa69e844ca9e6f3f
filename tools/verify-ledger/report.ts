import type { Check } from './checks-ledger.ts';
import type { KeyRecord, RunStats } from './runner.ts';

const is2xx = (s: number): boolean => s >= 200 && s < 300;
const retryable = (r: { status: number; type?: string }): boolean =>
  r.status === 0 ||
  r.status >= 500 ||
  r.status === 429 ||
  r.status === 401 ||
  (r.status === 409 && !!r.type?.endsWith('/idempotency-key-in-flight'));

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}
const fmt = (m: Map<string, number>): string =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';

export interface Summary {
  options: string;
  stats: RunStats;
  records: Map<string, KeyRecord>;
  setupMs: number;
  trafficMs: number;
  /** ANALYZE and every check, once the processes have stopped. */
  checksMs: number;
  elapsedMs: number;
  exits: Array<{ name: string; code: number | null }>;
  tokens: { refreshed: number; relogins: number };
}

/** Ops sent, accepted and refused by kind and status, duplicates, retries, kills, elapsed time. */
export function summaryLines(s: Summary): string[] {
  const work = [...s.records.values()].filter((r) => !r.setup);
  const accepted = new Map<string, number>();
  const retried = new Map<string, number>();
  for (const r of s.records.values())
    for (const x of r.responses)
      if (retryable(x))
        bump(retried, `${x.status} ${x.type?.replace('/problems/', '') ?? x.error ?? ''}`.trim());
  const refused = new Map<string, Map<string, number>>();
  for (const r of work) {
    if (r.accepted) {
      bump(accepted, r.spec.kind);
      continue;
    }
    const last = [...r.responses].reverse().find((x) => !retryable(x));
    const why = last
      ? `${last.status} ${last.type?.replace('/problems/', '') ?? ''}`.trim()
      : 'no answer';
    const byKind = refused.get(r.spec.kind) ?? new Map<string, number>();
    bump(byKind, why);
    refused.set(r.spec.kind, byKind);
  }
  const nAccepted = [...accepted.values()].reduce((a, b) => a + b, 0);
  const submissions = work.reduce((n, r) => n + r.submissions, 0);
  const retries = Object.values(s.stats.retries).reduce((a, b) => a + b, 0);
  const perS = (n: number) => Math.round((n / Math.max(1, s.trafficMs)) * 1000);
  return [
    `verify-ledger ${s.options}`,
    `  ops sent      ${work.length} (${submissions} submissions incl. duplicates, ${s.stats.attempts} HTTP requests incl. setup)`,
    `  accepted      ${nAccepted}: ${fmt(accepted)}`,
    `  refused       ${work.length - nAccepted}`,
    ...[...refused.entries()].map(([k, m]) => `    ${k.padEnd(8)} ${fmt(m)}`),
    `  duplicates    ${s.stats.duplicatesConcurrent + s.stats.duplicatesLater} (${s.stats.duplicatesConcurrent} concurrent, ${s.stats.duplicatesLater} later)`,
    `  retries       ${retries}: ${Object.entries(s.stats.retries)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `    answers     ${fmt(retried)}`,
    `  tokens        ${s.tokens.refreshed} refreshed, ${s.tokens.relogins} re-logins`,
    `  kills         ${s.stats.kills} (kill -9 + restart)`,
    `  exits         ${s.exits.map((e) => `${e.name}=${e.code}`).join(' ')} (after SIGTERM)`,
    `  elapsed       ${(s.elapsedMs / 1000).toFixed(1)} s total, setup ${(s.setupMs / 1000).toFixed(1)} s, traffic ${(s.trafficMs / 1000).toFixed(1)} s (${perS(work.length)} ops/s), checks ${(s.checksMs / 1000).toFixed(1)} s`,
  ];
}

export function checkLines(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => `  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
}

/** Keys whose responses disagree, for digging into a failure. */
export function suspectKeys(records: Map<string, KeyRecord>, max: number): string[] {
  const out: string[] = [];
  for (const r of records.values()) {
    const ok = new Set(
      r.responses
        .filter((x) => is2xx(x.status))
        .map((x) => JSON.stringify([x.body?.['id'], x.body?.['transaction_id']])),
    );
    if (ok.size > 1 || r.unresolved > 0)
      out.push(
        `${r.spec.key} ${r.spec.kind} ${r.spec.path} ${JSON.stringify(r.spec.body)} -> ${r.responses.map((x) => x.status).join(',')}`,
      );
    if (out.length >= max) break;
  }
  return out;
}
