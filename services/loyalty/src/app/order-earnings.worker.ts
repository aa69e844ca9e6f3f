import type { Attempt, Db, Job, Logger, ProblemError, Queryable } from '@redemption/kernel';
import { keptBasePoints } from '../domain/order-earnings.ts';
import { orderReversalId } from './deterministic-id.ts';
import type { Ledger, OpResult } from './ledger.service.ts';

/** Orders handled per round, for earns and for refunds each; the next round continues. */
export const orderEarningsRoundMax = 200;
const systemActor = 'system:orders';

/** An attempt whose outcome is recorded by `record` in the ledger batch's transaction. */
const attemptRecording = (
  record: (q: Queryable, body: Record<string, unknown>) => Promise<void>,
): Attempt => ({
  complete: (q, outcome) => record(q, outcome.body as Record<string, unknown>),
  fail: async () => undefined, // a refusal wrote nothing; the caller decides what it means
  send: <T>(o: { body: T }) => o.body,
});

/** Fails the batch if the row moved under us: it would mean an op applied twice. */
async function updateOne(q: Queryable, sql: string, params: unknown[]): Promise<void> {
  const res = await q.query(sql, params);
  if (res.rowCount !== 1) throw new Error(`order earning changed concurrently: ${sql}`);
}

/** How long a worker owns a released earning while its earn is in flight. */
export const earnClaimMs = 60_000;

interface ReleasedRow {
  order_id: string;
  member_id: string;
  base_points: number;
  cash_amount: number;
  refunded_cash: number;
  transaction_id: string;
}

/**
 * Claims earnings whose return window has passed. The claim keeps a second worker from
 * submitting the same earn and the refund consumer from voiding a row whose earn is in flight
 * (a refund that lands meanwhile is reversed after the earn instead).
 */
async function claimReleased(db: Db): Promise<ReleasedRow[]> {
  const { rows } = await db.query<ReleasedRow>(
    `UPDATE loyalty.order_earnings SET claimed_until = clock_timestamp() + make_interval(secs => $2)
     WHERE order_id IN (
       SELECT order_id FROM loyalty.order_earnings
       WHERE status = 'pending' AND release_at <= clock_timestamp()
         AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
       ORDER BY release_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING order_id, member_id, base_points, cash_amount, refunded_cash, transaction_id`,
    [orderEarningsRoundMax, earnClaimMs / 1000],
  );
  return rows;
}

/** Earns released earnings through the ledger; the "earned" mark commits with the earn. */
async function applyEarns(db: Db, ledger: Ledger, log: Logger): Promise<number> {
  const rows = await claimReleased(db);
  const results = await Promise.all(rows.map((r) => earnReleased(db, ledger, r, log)));
  return results.filter(Boolean).length;
}

async function earnReleased(db: Db, ledger: Ledger, r: ReleasedRow, log: Logger) {
  const points = keptBasePoints({
    cashAmount: Number(r.cash_amount),
    refundedCash: Number(r.refunded_cash),
    basePoints: Number(r.base_points),
  });
  if (points < 1) {
    // Everything was refunded before the window closed: nothing is owed, nothing to take back.
    await db.query(
      "UPDATE loyalty.order_earnings SET status = 'voided', claimed_until = NULL WHERE order_id = $1 AND status = 'pending'",
      [r.order_id],
    );
    return false;
  }
  const attempt = attemptRecording((q, body) =>
    updateOne(
      q,
      `UPDATE loyalty.order_earnings SET status = 'earned', earned_points = $2,
         refunded_cash_at_earn = $3, claimed_until = NULL
       WHERE order_id = $1 AND status = 'pending'`,
      [r.order_id, body['points'], r.refunded_cash],
    ),
  );
  const op = {
    kind: 'earn' as const,
    id: r.transaction_id,
    memberId: r.member_id,
    points,
    reason: 'order',
    reference: `order:${r.order_id}`,
    actorId: systemActor,
  };
  const res = await ledger.submit({ op, attempt });
  if (!res.ok) await settleRefusedEarn(db, r.order_id, res.problem, log);
  return res.ok;
}

async function settleRefusedEarn(db: Db, orderId: string, p: ProblemError, log: Logger) {
  // Another pod earned it first (its batch also marked the row); this heals a row left pending.
  if (p.slug === 'already-applied') {
    await db.query(
      // The earn's own cash basis is not known here; 0 (all of it) never takes back too much.
      `UPDATE loyalty.order_earnings e SET status = 'earned', earned_points = t.points, claimed_until = NULL
       FROM loyalty.transactions t WHERE e.order_id = $1 AND e.status = 'pending' AND t.id = e.transaction_id`,
      [orderId],
    );
    return;
  }
  log.warn({ order_id: orderId, problem: p.slug }, 'order earning refused');
  await db.query(
    "UPDATE loyalty.order_earnings SET status = 'refused', refusal = $2, claimed_until = NULL WHERE order_id = $1 AND status = 'pending'",
    [orderId, p.slug],
  );
}

interface RefundRow {
  order_id: string;
  transaction_id: string;
  reversed_points: number;
  target: number;
}

/**
 * Reverses earned points in proportion to the cash refunded after the earn (`reversalTarget` in
 * domain/order-earnings.ts, here in SQL), and each round reverses what the target exceeds
 * the points already settled by. The reversal id is derived from (order, settled so far), so
 * two workers reading the same state submit the same id and the ledger applies it once.
 */
async function applyRefunds(db: Db, ledger: Ledger, log: Logger): Promise<number> {
  const { rows } = await db.query<RefundRow>(
    // numeric: points × minor units can pass bigint's range; div() rounds down (both ≥ 0).
    `SELECT order_id, transaction_id, reversed_points, target FROM (
       SELECT order_id, transaction_id, reversed_points, created_at,
         div(earned_points::numeric * (refunded_cash - refunded_cash_at_earn),
             cash_amount - refunded_cash_at_earn)::bigint AS target
       FROM loyalty.order_earnings
       WHERE status = 'earned' AND refunded_cash > refunded_cash_at_earn) x
     WHERE target > reversed_points ORDER BY created_at LIMIT $1`,
    [orderEarningsRoundMax],
  );
  const done = await Promise.all(rows.map((r) => reverseFor(db, ledger, r, log)));
  return done.filter(Boolean).length;
}

async function reverseFor(db: Db, ledger: Ledger, r: RefundRow, log: Logger): Promise<boolean> {
  const wanted = r.target - r.reversed_points;
  const settle = (reversed: number) =>
    attemptRecording((q) => settleRefund(q, r, wanted - reversed));
  const submit = (points: number): Promise<OpResult> =>
    ledger.submit({
      op: {
        kind: 'reverse',
        id: orderReversalId(r.order_id, r.reversed_points),
        transactionId: r.transaction_id,
        points,
        reason: 'order refunded',
        actorId: systemActor,
      },
      attempt: settle(points),
    });
  let res = await submit(wanted);
  if (res.ok || res.problem.slug === 'already-applied') return res.ok;
  // The member already spent some (insufficient-points: `available`) or an admin already
  // reversed part of the earn (`remaining`): take back what is there, write the rest off.
  // Members cannot get here on their own: earned points are spendable only after the return
  // window, and a member can cancel only before shipping; a later refund is an admin's call.
  const there = Number(res.problem.extensions['available'] ?? res.problem.extensions['remaining']);
  if (!Number.isSafeInteger(there) || there < 0) {
    log.warn({ order_id: r.order_id, problem: res.problem.slug }, 'refund reversal refused');
    return false;
  }
  log.warn({ order_id: r.order_id, wanted, there }, 'refund reversal partly written off');
  if (there > 0) res = await submit(Math.min(there, wanted));
  else await db.tx((q) => settleRefund(q, r, wanted));
  return there > 0 ? res.ok : true;
}

/** Records `wanted` more points as settled (and how many of them were written off). */
const settleRefund = (q: Queryable, r: RefundRow, writtenOff: number) =>
  updateOne(
    q,
    `UPDATE loyalty.order_earnings SET reversed_points = $3, written_off_points = written_off_points + $4
     WHERE order_id = $1 AND reversed_points = $2`,
    [r.order_id, r.reversed_points, r.target, writtenOff],
  );

/** One round: pending earns first, so a refund in the same round finds its earn applied. */
export async function applyOrderEarnings(
  db: Db,
  ledger: Ledger,
  log: Logger,
): Promise<{ earned: number; reversed: number }> {
  const earned = await applyEarns(db, ledger, log);
  const reversed = await applyRefunds(db, ledger, log);
  return { earned, reversed };
}

/** Rounds as a background job (the kernel runs it; see `Job`). */
export const orderEarningsJob = (db: Db, ledger: Ledger, log: Logger, everyMs: number): Job => ({
  name: 'loyalty.order-earnings',
  everyMs,
  run: () => applyOrderEarnings(db, ledger, log),
});
