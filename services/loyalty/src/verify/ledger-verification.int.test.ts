/**
 * Reconciliation on a real PostgreSQL: the position is exact (a ledger transaction that commits
 * after a verification's snapshot is verified by the next one), incremental runs catch a stored
 * balance changed alone, violations stay counted until a full verification, each check has its
 * own timeout, and only one verification runs at a time.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '@redemption/kernel';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import {
  VerificationBusyError,
  verificationLockKey,
  verifyLedger,
  type VerificationResult,
  type VerifyOptions,
} from '../app/ledger-verification.ts';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

const gate = postgresGate();

/** A transaction held open until `commit()` is called; `ready` once `work` has run in it. */
function openTransaction(h: LoyaltyHarness, work: (q: Queryable) => Promise<void>) {
  let commit!: () => void;
  const released = new Promise<void>((r) => (commit = r));
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const done = h.platform.db.tx(async (q) => {
    await work(q);
    ready();
    await released;
  });
  return { ready: isReady, commit: async () => (commit(), done) };
}

describe.skipIf(!gate.url)('ledger reconciliation (real PostgreSQL)', () => {
  let temp: TempDatabase;
  let h: LoyaltyHarness;
  const verify = (opts: VerifyOptions = {}) => verifyLedger(h.platform.db, opts);
  const check = (r: VerificationResult, name: string) => r.checks.find((c) => c.check === name)!;
  const sql = (text: string, params: unknown[] = []) => h.platform.db.query(text, params);

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    h = await startLoyalty({
      databaseUrl: temp.url,
      env: { LOYALTY_RATE_PER_MEMBER_PER_S: '1000', LOYALTY_RATE_PER_IP_PER_S: '100000' },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  it('verifies everything first, then only the transactions the last snapshot could not see', async () => {
    const m = await h.member(500);
    await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 120 });
    const first = await verify();
    expect(first).toMatchObject({ mode: 'full', violations: 0, errors: 0, recorded: true });
    expect(check(first, 'transaction_balanced').examined).toBeGreaterThanOrEqual(2);

    const idle = await verify();
    expect(idle).toMatchObject({ mode: 'incremental', fromPosition: first.position });
    expect(check(idle, 'transaction_balanced')).toMatchObject({ scope: 'since', examined: 0 });
    expect(check(idle, 'entries_sum_zero').scope).toBe('skipped');

    await h.call('POST', '/api/loyalty/earn', h.adminToken, {
      member_id: m.id,
      points: 30,
      reason: 't',
    });
    await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 10 });
    const next = await verify();
    expect(next).toMatchObject({ mode: 'incremental', violations: 0 });
    expect(check(next, 'transaction_moves_member').examined).toBe(2);
    expect(check(next, 'balance_matches_entries').violations).toBe(0);
  });

  it('verifies a transaction that commits after a snapshot that could not see it', async () => {
    const m = await h.member(100);
    const other = await h.member(100);
    await verify();
    // Written but not committed: its id is below those of transactions committed meanwhile,
    // so a position "after the newest transaction seen" would step over it for good.
    const id = randomUUID();
    const late = openTransaction(h, async (q) => {
      await q.query(
        `INSERT INTO loyalty.transactions (id, kind, member_id, points, direction, contra_account)
         VALUES ($1, 'earn', $2, 5, 1, 'program:issued')`,
        [id, m.id],
      );
      // Only the member's side: this transaction does not balance.
      await q.query(
        'INSERT INTO loyalty.entries (transaction_id, account_id, amount) VALUES ($1, $2, 5)',
        [id, m.id],
      );
    });
    await late.ready;
    // Another member's: the open transaction's foreign keys lock m's account against batches.
    expect(
      (await h.call('POST', '/api/loyalty/redemptions', other.token, { points: 1 })).status,
    ).toBe(201);
    const before = await verify();
    expect(check(before, 'transaction_balanced')).toMatchObject({ found: 0, examined: 1 });
    await late.commit();

    const after = await verify();
    expect(after.mode).toBe('incremental');
    expect(check(after, 'transaction_balanced')).toMatchObject({
      status: 'fail',
      found: 1,
      examined: 1,
    });
    expect(check(after, 'balance_matches_entries').violations).toBe(1);
    // Sticky: the next run reads nothing new, yet the violation is still counted...
    const again = await verify();
    expect(check(again, 'transaction_balanced')).toMatchObject({ found: 0, violations: 1 });
    // ...until a full verification recounts it after the repair.
    await sql('DELETE FROM loyalty.entries WHERE transaction_id = $1', [id]);
    await sql('DELETE FROM loyalty.transactions WHERE id = $1', [id]);
    expect((await verify({ mode: 'full' })).violations).toBe(0);
  });

  it('catches a stored balance changed alone, incrementally, and clears once it is put back', async () => {
    const m = await h.member(200);
    await verify();
    await sql('UPDATE loyalty.accounts SET balance = balance + 7 WHERE id = $1', [m.id]);
    const r = await verify();
    expect(r.mode).toBe('incremental');
    expect(check(r, 'balance_matches_entries')).toMatchObject({ status: 'fail', violations: 1 });
    expect(check(r, 'balances_sum_zero')).toMatchObject({ violations: 1, note: 'sum = 7' });
    expect(check(r, 'balance_matches_lots').violations).toBe(1);
    const metrics = (await h.platform.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('ledger_invariant_violations{check="balance_matches_entries"} 1');
    expect(metrics).toMatch(new RegExp(`ledger_verified_position ${r.position}\\b`));

    await sql('UPDATE loyalty.accounts SET balance = balance - 7 WHERE id = $1', [m.id]);
    expect(await verify()).toMatchObject({ mode: 'incremental', violations: 0 });
  });

  it('counts a deleted entry under every check it breaks, and keeps it counted incrementally', async () => {
    const m = await h.member(300);
    const { rows } = await sql(
      `SELECT e.id, e.transaction_id, e.amount FROM loyalty.entries e
       JOIN loyalty.transactions t ON t.id = e.transaction_id WHERE t.member_id = $1 AND e.account_id = $1`,
      [m.id],
    );
    const entry = rows[0] as { id: number; transaction_id: string; amount: number };
    await sql('DELETE FROM loyalty.entries WHERE id = $1', [entry.id]);
    const full = await verify({ mode: 'full' });
    for (const name of [
      'transaction_balanced',
      'transaction_moves_member',
      'entries_sum_zero',
      'balance_matches_entries',
    ])
      expect(check(full, name).violations, name).toBe(1);
    expect(full.violations).toBe(4);

    const incremental = await verify();
    expect(incremental.mode).toBe('incremental');
    expect(check(incremental, 'transaction_balanced').violations).toBe(1);
    expect(check(incremental, 'entries_sum_zero')).toMatchObject({
      scope: 'skipped',
      status: 'fail',
      violations: 1,
    });
    expect(check(incremental, 'balance_matches_entries').violations).toBe(1);

    await sql(
      'INSERT INTO loyalty.entries (transaction_id, account_id, amount) VALUES ($1, $2, $3)',
      [entry.transaction_id, m.id, entry.amount],
    );
    expect((await verify({ mode: 'full' })).violations).toBe(0);
  });

  it('gives each check its own timeout: one that cannot finish fails alone and nothing is recorded', async () => {
    const { rows: before } = await sql('SELECT generation FROM loyalty.ledger_verification');
    const lock = openTransaction(h, async (q) => {
      await q.exec('LOCK TABLE loyalty.drops IN ACCESS EXCLUSIVE MODE');
    });
    await lock.ready;
    let r: VerificationResult;
    try {
      r = await verify({ timeoutMs: 500 });
    } finally {
      await lock.commit();
    }
    const failed = r.checks.filter((c) => c.status === 'error').map((c) => c.check);
    expect(failed.sort()).toEqual(
      [
        'drop_claim_paid',
        'drop_member_limit',
        'drop_not_oversold',
        'drop_sold_matches_claims',
      ].sort(),
    );
    expect(r.checks.find((c) => c.status === 'error')!.error).toMatch(/statement timeout/);
    expect(r.checks.filter((c) => c.status === 'pass').length).toBe(r.checks.length - 4 - 1); // - skipped
    expect(r).toMatchObject({ errors: 4, recorded: false });
    const { rows: after } = await sql('SELECT generation FROM loyalty.ledger_verification');
    expect(after).toEqual(before);
  });

  it('runs one verification at a time', async () => {
    const holder = openTransaction(h, async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [verificationLockKey]);
    });
    await holder.ready;
    try {
      await expect(verify()).rejects.toBeInstanceOf(VerificationBusyError);
    } finally {
      await holder.commit();
    }
    expect((await verify()).errors).toBe(0);
  });
});
