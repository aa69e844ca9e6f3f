import type { Attempt, Db, Job, Logger, ProblemError, Queryable } from '@redemption/kernel';
import { keptBasePoints } from '../domain/order-earnings.ts';
import {
  orderEarningsRepository,
  type RefundDue,
  type ReleasedEarning,
} from '../store/order-earnings.repository.ts';
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

/** How long a worker owns a released earning while its earn is in flight. */
export const earnClaimMs = 60_000;

/**
 * Earns released earnings through the ledger; the "earned" mark commits with the earn. The
 * rows are claimed first (orderEarningsRepository.claimReleased), so two workers never submit
 * the same earn and a refund meanwhile is reversed after it.
 */
async function applyEarns(db: Db, ledger: Ledger, log: Logger): Promise<number> {
  const rows = await orderEarningsRepository.claimReleased(db, orderEarningsRoundMax, earnClaimMs);
  const results = await Promise.all(rows.map((r) => earnReleased(db, ledger, r, log)));
  return results.filter(Boolean).length;
}

async function earnReleased(db: Db, ledger: Ledger, r: ReleasedEarning, log: Logger) {
  const points = keptBasePoints({
    cashAmount: Number(r.cash_amount),
    refundedCash: Number(r.refunded_cash),
    basePoints: Number(r.base_points),
  });
  if (points < 1) {
    // Everything was refunded before the window closed: nothing is owed, nothing to take back.
    await orderEarningsRepository.voidPending(db, r.order_id);
    return false;
  }
  const attempt = attemptRecording((q, body) =>
    orderEarningsRepository.markEarned(q, r.order_id, body['points'], r.refunded_cash),
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
    await orderEarningsRepository.markEarnedFromLedger(db, orderId);
    return;
  }
  log.warn({ order_id: orderId, problem: p.slug }, 'order earning refused');
  await orderEarningsRepository.markRefused(db, orderId, p.slug);
}

/**
 * Reverses earned points in proportion to the cash refunded after the earn (`reversalTarget` in
 * domain/order-earnings.ts, here in SQL), and each round reverses what the target exceeds
 * the points already settled by. The reversal id is derived from (order, settled so far), so
 * two workers reading the same state submit the same id and the ledger applies it once.
 */
async function applyRefunds(db: Db, ledger: Ledger, log: Logger): Promise<number> {
  const rows = await orderEarningsRepository.refundsDue(db, orderEarningsRoundMax);
  const done = await Promise.all(rows.map((r) => reverseFor(db, ledger, r, log)));
  return done.filter(Boolean).length;
}

async function reverseFor(db: Db, ledger: Ledger, r: RefundDue, log: Logger): Promise<boolean> {
  const wanted = r.target - r.reversed_points;
  const settle = (reversed: number) =>
    attemptRecording((q) => orderEarningsRepository.settleRefund(q, r, wanted - reversed));
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
  else await db.tx((q) => orderEarningsRepository.settleRefund(q, r, wanted));
  return there > 0 ? res.ok : true;
}

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
