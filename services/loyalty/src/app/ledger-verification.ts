import type { Db, Queryable } from '@redemption/kernel';
import {
  ledgerInvariants,
  type LedgerInvariant,
  type LedgerTable,
} from '../store/ledger-invariants.ts';
import {
  readLastVerification,
  recordVerification,
  type LastVerification,
} from '../store/ledger-verification.repository.ts';

/**
 * Reconciliation: runs every ledger invariant in one REPEATABLE READ READ ONLY transaction (a
 * consistent snapshot that takes no lock a writer waits on and no transaction id, so it holds
 * back neither batches nor the event log), incrementally from the last recorded position when
 * there is one, then records the result in a short write transaction. Decision 007.
 */

/** Only one verification at a time (any pod, any command); others get VerificationBusyError. */
export const verificationLockKey = 0x4c45_4447; // "LEDG"
/** Hash joins and aggregates over millions of entries stay in memory instead of spilling. */
const verifyWorkMemMb = 64;
/**
 * Statement timeout of one check: a base plus a budget per row of the tables it reads. Linear
 * queries run at a few microseconds a row, so the budget is generous on a loaded machine, yet
 * a plan whose cost grows with rows × rows (what this replaced) runs out of it at scale.
 */
const checkTimeoutBaseMs = 10_000;
const checkTimeoutPerMillionRowsMs = 60_000;
const checkTimeoutMaxMs = 2 * 3_600_000;

export type CheckStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface CheckResult {
  check: string;
  title: string;
  status: CheckStatus;
  /** Violations as established now (for a sticky check: earlier ones plus `found`). */
  violations: number;
  /** What this run's query found in what it read. */
  found: number;
  examined: number;
  unit: string;
  /** 'full', 'since' (only what is new since the previous position) or 'skipped'. */
  scope: 'full' | 'since' | 'skipped';
  note?: string;
  error?: string;
  ms: number;
  timeoutMs: number;
}

export interface VerificationResult {
  mode: 'full' | 'incremental';
  /** Position verified up to (the snapshot's xmin, xid8 as text) and the one it started from. */
  position: string;
  fromPosition: string | null;
  snapshot: string;
  verifiedAt: Date;
  checks: CheckResult[];
  violations: number;
  errors: number;
  /** Whether the result became the recorded position (metrics, next incremental run). */
  recorded: boolean;
  ms: number;
}

export interface VerifyOptions {
  /** 'auto' (default): incremental from the recorded position when there is one; else full. */
  mode?: 'auto' | 'full';
  /** Record the result for the next incremental run and the metrics (default true). */
  record?: boolean;
  /** One statement timeout for every check, instead of the budget by table size. */
  timeoutMs?: number;
  onProgress?: (line: string) => void;
  /** Stops between checks (shutdown); the result is then not recorded. */
  signal?: AbortSignal;
}

export class VerificationBusyError extends Error {
  constructor() {
    super('another ledger verification is running');
  }
}

interface Head {
  snapshot: string;
  position: string;
  verifiedAt: Date;
  from: LastVerification | undefined;
  last: LastVerification;
  rows: Map<string, number>;
}

/** Verifies the ledger; see the module comment. Throws VerificationBusyError if one is running. */
export async function verifyLedger(db: Db, opts: VerifyOptions = {}): Promise<VerificationResult> {
  const started = performance.now();
  const { head, checks } = await db.tx((q) => runChecks(q, opts));
  const errors = checks.filter((c) => c.status === 'error').length;
  const recorded = opts.record !== false && errors === 0 && (await record(db, head, checks, opts));
  return {
    mode: head.from ? 'incremental' : 'full',
    position: head.position,
    fromPosition: head.from?.position ?? null,
    snapshot: head.snapshot,
    verifiedAt: head.verifiedAt,
    checks,
    violations: checks.reduce((n, c) => n + c.violations, 0),
    errors,
    recorded,
    ms: Math.round(performance.now() - started),
  };
}

async function runChecks(q: Queryable, opts: VerifyOptions) {
  const say = opts.onProgress ?? (() => undefined);
  const head = await openSnapshot(q, opts.mode ?? 'auto');
  const how = head.from ? `incremental from position ${head.from.position}` : 'full';
  say(
    `verifying the ledger (${how}; snapshot ${head.snapshot}; ${ledgerInvariants.length} checks)`,
  );
  const checks: CheckResult[] = [];
  for (const [i, inv] of ledgerInvariants.entries()) {
    if (opts.signal?.aborted) throw new Error('ledger verification stopped');
    const timeoutMs = opts.timeoutMs ?? timeoutFor(inv.reads, head.rows);
    say(`  [${i + 1}/${ledgerInvariants.length}] ${inv.check} (timeout ${timeoutMs / 1000} s)`);
    checks.push(await runCheck(q, inv, head, timeoutMs));
  }
  return { head, checks };
}

async function record(
  db: Db,
  head: Head,
  checks: CheckResult[],
  opts: VerifyOptions,
): Promise<boolean> {
  // Full mode sums every entry again to store the opening balances: same budget as that check.
  const budgetMs = opts.timeoutMs ?? timeoutFor(['transactions', 'entries'], head.rows);
  return db.tx((q) =>
    recordVerification(
      q,
      {
        mode: head.from ? 'incremental' : 'full',
        snapshot: head.snapshot,
        verifiedAt: head.verifiedAt,
        violations: Object.fromEntries(checks.map((c) => [c.check, c.violations])),
        ...(head.from ? { from: fromOf(head.from) } : {}),
      },
      budgetMs,
    ),
  );
}

const fromOf = (l: LastVerification) => ({
  snapshot: l.snapshot!,
  position: l.position!,
  generation: l.generation,
});

/** Makes the transaction a read-only snapshot, takes the verification lock, reads the start. */
async function openSnapshot(q: Queryable, mode: 'auto' | 'full'): Promise<Head> {
  // Must be the first statement: the snapshot is taken by the first query after it.
  await q.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  const { rows } = await q.query<{
    locked: boolean;
    snapshot: string;
    position: string;
    xmax: string;
    at: Date;
  }>(
    `SELECT pg_try_advisory_xact_lock($1) AS locked, pg_current_snapshot()::text AS snapshot,
            pg_snapshot_xmin(pg_current_snapshot())::text AS position,
            pg_snapshot_xmax(pg_current_snapshot())::text AS xmax, now() AS at`,
    [verificationLockKey],
  );
  const s = rows[0]!;
  if (!s.locked) throw new VerificationBusyError();
  await q.exec(`SET LOCAL work_mem = '${verifyWorkMemMb}MB'`);
  const last = await readLastVerification(q);
  // A position ahead of this snapshot means the database is not the one that was verified
  // (restored from a backup, say): start over with a full verification.
  const usable = last.snapshot !== null && BigInt(last.position!) <= BigInt(s.xmax);
  return {
    snapshot: s.snapshot,
    position: s.position,
    verifiedAt: s.at,
    from: mode === 'auto' && usable ? last : undefined,
    last,
    rows: await tableRows(q),
  };
}

/**
 * Row counts of the ledger's tables: the planner's (ANALYZE) or the live count the statistics
 * system keeps between ANALYZEs, whichever is larger. Neither takes a lock on the table (its
 * size on disk would, and wait behind a migration).
 */
async function tableRows(q: Queryable): Promise<Map<string, number>> {
  const { rows } = await q.query<{ name: string; n: number }>(
    `SELECT c.relname AS name, greatest(c.reltuples, pg_stat_get_live_tuples(c.oid))::bigint AS n
     FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE ns.nspname = 'loyalty' AND c.relkind = 'r'`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

export function timeoutFor(reads: readonly LedgerTable[], rows: Map<string, number>): number {
  const n = reads.reduce((s, t) => s + (rows.get(t) ?? 0), 0);
  const ms = checkTimeoutBaseMs + (n / 1_000_000) * checkTimeoutPerMillionRowsMs;
  return Math.min(checkTimeoutMaxMs, Math.ceil(ms / 1000) * 1000);
}

/** One invariant in its own savepoint and statement timeout, so a timeout fails only itself. */
async function runCheck(
  q: Queryable,
  inv: LedgerInvariant,
  head: Head,
  timeoutMs: number,
): Promise<CheckResult> {
  const plan = head.from ? inv.since : 'full';
  const carried = head.last.violations[inv.check] ?? 0;
  const base = { check: inv.check, title: inv.title, unit: inv.unit, timeoutMs };
  if (plan === 'skip') {
    const status = carried > 0 ? 'fail' : 'skipped';
    return { ...base, status, violations: carried, found: 0, examined: 0, scope: 'skipped', ms: 0 };
  }
  const started = performance.now();
  const since = plan !== 'full';
  const unit = since ? plan.unit : inv.unit;
  await q.exec('SAVEPOINT ledger_check');
  try {
    await q.exec(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
    const { rows } = since
      ? await q.query<Row>(plan.sql, [head.from!.snapshot, head.from!.position])
      : await q.query<Row>(inv.full);
    await q.exec('RELEASE SAVEPOINT ledger_check');
    const r = rows[0]!;
    const found = Number(r.bad);
    const violations = since && plan.sticky ? carried + found : found;
    return {
      ...base,
      unit,
      status: violations > 0 ? 'fail' : 'pass',
      violations,
      found,
      examined: Number(r.examined),
      scope: since ? 'since' : 'full',
      ...(r.note ? { note: r.note } : {}),
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    await q.exec('ROLLBACK TO SAVEPOINT ledger_check');
    return {
      ...base,
      status: 'error',
      violations: 0,
      found: 0,
      examined: 0,
      scope: since ? 'since' : 'full',
      error: (err as Error).message,
      ms: Math.round(performance.now() - started),
    };
  }
}

interface Row {
  bad: number | string;
  examined: number | string;
  note?: string | null;
}

/** "0 bad of 51,151 transactions in 412 ms", or the error. */
export function resultDetail(r: CheckResult): string {
  if (r.status === 'error') return `could not run: ${r.error} (after ${r.ms} ms)`;
  if (r.scope === 'skipped')
    return `full verifications only (last full verification: ${r.violations} bad)`;
  const n = (x: number) => x.toLocaleString('en-US');
  const of = `${n(r.examined)} ${r.unit}`;
  const earlier = r.violations !== r.found ? ` (+${n(r.violations - r.found)} found earlier)` : '';
  return `${n(r.found)} bad of ${of}${earlier}${r.note ? `; ${r.note}` : ''} in ${n(r.ms)} ms`;
}
