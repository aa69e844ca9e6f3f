import type { Queryable } from '@redemption/kernel';
import { unseenSince } from './ledger-invariants.ts';

/** The last recorded verification (`loyalty.ledger_verification`, one row). */
export interface LastVerification {
  /** Bumped by every record; an incremental run records only if it is still the one it read. */
  generation: number;
  /** Everything visible in this snapshot was verified; null before the first verification. */
  snapshot: string | null;
  /** The snapshot's xmin (xid8, as decimal text): every ledger transaction below it is verified. */
  position: string | null;
  mode: 'full' | 'incremental' | null;
  verifiedAt: Date | null;
  fullVerifiedAt: Date | null;
  /** Violations per check, as last established. */
  violations: Record<string, number>;
}

export async function readLastVerification(q: Queryable): Promise<LastVerification> {
  const { rows } = await q.query<{
    generation: number;
    snapshot: string | null;
    position: string | null;
    mode: LastVerification['mode'];
    verified_at: Date | null;
    full_verified_at: Date | null;
    violations: Record<string, number>;
  }>(
    `SELECT generation, snapshot::text AS snapshot, position::text AS position, mode, verified_at,
            full_verified_at, violations FROM loyalty.ledger_verification`,
  );
  const r = rows[0];
  if (!r) throw new Error('loyalty.ledger_verification has no row: run the migrations');
  return {
    generation: r.generation,
    snapshot: r.snapshot,
    position: r.position,
    mode: r.mode,
    verifiedAt: r.verified_at,
    fullVerifiedAt: r.full_verified_at,
    violations: r.violations,
  };
}

export interface VerificationRecord {
  mode: 'full' | 'incremental';
  snapshot: string;
  verifiedAt: Date;
  violations: Record<string, number>;
  /** The verification this one continued from (incremental), or undefined (full). */
  from?: { snapshot: string; position: string; generation: number };
}

/**
 * Records a verification and the opening balances the next incremental one starts from, in
 * one short read-write transaction after the read-only verification. Opening balances are sums
 * of entries (never the stored balances under test), so a drifted balance stays a violation.
 * Returns false when another verification recorded first (this incremental run's movements
 * would then be added to balances it did not start from).
 */
export async function recordVerification(
  q: Queryable,
  rec: VerificationRecord,
  statementTimeoutMs: number,
): Promise<boolean> {
  await q.exec(`SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
  const { rows } = await q.query<{ generation: number }>(
    'SELECT generation FROM loyalty.ledger_verification FOR UPDATE',
  );
  if (rec.from && rows[0]?.generation !== rec.from.generation) return false;
  if (rec.from) {
    // Entries of the transactions this run verified: unseen by the previous snapshot, seen by
    // this one. Visibility is re-derived from the snapshots, so nothing is carried in memory.
    await q.query(
      `INSERT INTO loyalty.ledger_verified_balances AS v (account_id, balance)
       SELECT e.account_id, sum(e.amount)
       FROM loyalty.transactions t JOIN loyalty.entries e ON e.transaction_id = t.id
       WHERE ${unseenSince('t')} AND pg_visible_in_snapshot(t.txid, $3::pg_snapshot)
       GROUP BY 1
       ON CONFLICT (account_id) DO UPDATE SET balance = v.balance + EXCLUDED.balance`,
      [rec.from.snapshot, rec.from.position, rec.snapshot],
    );
  } else {
    await q.exec('DELETE FROM loyalty.ledger_verified_balances');
    // txid is NULL only on transactions written before reconciliation existed.
    await q.query(
      `INSERT INTO loyalty.ledger_verified_balances (account_id, balance)
       SELECT e.account_id, sum(e.amount)
       FROM loyalty.entries e JOIN loyalty.transactions t ON t.id = e.transaction_id
       WHERE t.txid IS NULL OR pg_visible_in_snapshot(t.txid, $1::pg_snapshot)
       GROUP BY 1`,
      [rec.snapshot],
    );
  }
  await q.query(
    `UPDATE loyalty.ledger_verification SET generation = generation + 1,
       snapshot = $1::pg_snapshot, position = pg_snapshot_xmin($1::pg_snapshot), mode = $2,
       verified_at = $3, full_verified_at = CASE WHEN $2 = 'full' THEN $3 ELSE full_verified_at END,
       violations = $4::jsonb`,
    [rec.snapshot, rec.mode, rec.verifiedAt, JSON.stringify(rec.violations)],
  );
  return true;
}
