/**
 * Writes and work queues of `loyalty.order_earnings` (decision 006): the consumer records what
 * order events say, the worker claims released rows, marks them earned, refused or voided, and
 * settles refund reversals. Reads for members are in order-earnings.queries.ts.
 */
import type { Queryable } from '@redemption/kernel';

/** A pending earning whose return window has passed, claimed by one worker. */
export interface ReleasedEarning {
  order_id: string;
  member_id: string;
  base_points: number;
  cash_amount: number;
  refunded_cash: number;
  transaction_id: string;
}

/** An earned order with cash refunded after the earn: `target` points should be reversed. */
export interface RefundDue {
  order_id: string;
  transaction_id: string;
  reversed_points: number;
  target: number;
}

/** Fails the batch if the row moved under us: it would mean an op applied twice. */
async function updateOne(q: Queryable, sql: string, params: unknown[]): Promise<void> {
  const res = await q.query(sql, params);
  if (res.rowCount !== 1) throw new Error(`order earning changed concurrently: ${sql}`);
}

export const orderEarningsRepository = {
  /**
   * Claims earnings whose return window has passed, for `claimMs`. The claim keeps a second
   * worker from submitting the same earn and the refund consumer from voiding a row whose earn
   * is in flight (a refund that lands meanwhile is reversed after the earn instead).
   */
  async claimReleased(q: Queryable, limit: number, claimMs: number): Promise<ReleasedEarning[]> {
    const { rows } = await q.query<ReleasedEarning>(
      `UPDATE loyalty.order_earnings SET claimed_until = clock_timestamp() + make_interval(secs => $2)
       WHERE order_id IN (
         SELECT order_id FROM loyalty.order_earnings
         WHERE status = 'pending' AND release_at <= clock_timestamp()
           AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY release_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING order_id, member_id, base_points, cash_amount, refunded_cash, transaction_id`,
      [limit, claimMs / 1000],
    );
    return rows;
  },

  async voidPending(q: Queryable, orderId: string): Promise<void> {
    await q.query(
      "UPDATE loyalty.order_earnings SET status = 'voided', claimed_until = NULL WHERE order_id = $1 AND status = 'pending'",
      [orderId],
    );
  },

  /** In the earn's ledger batch: the row is earned exactly when the points are. */
  markEarned: (q: Queryable, orderId: string, points: unknown, refundedCashAtEarn: number) =>
    updateOne(
      q,
      `UPDATE loyalty.order_earnings SET status = 'earned', earned_points = $2,
         refunded_cash_at_earn = $3, claimed_until = NULL
       WHERE order_id = $1 AND status = 'pending'`,
      [orderId, points, refundedCashAtEarn],
    ),

  /** Heals a row left pending whose earn another worker already applied. */
  async markEarnedFromLedger(q: Queryable, orderId: string): Promise<void> {
    await q.query(
      // The earn's own cash basis is not known here; 0 (all of it) never takes back too much.
      `UPDATE loyalty.order_earnings e SET status = 'earned', earned_points = t.points, claimed_until = NULL
       FROM loyalty.transactions t WHERE e.order_id = $1 AND e.status = 'pending' AND t.id = e.transaction_id`,
      [orderId],
    );
  },

  async markRefused(q: Queryable, orderId: string, slug: string): Promise<void> {
    await q.query(
      "UPDATE loyalty.order_earnings SET status = 'refused', refusal = $2, claimed_until = NULL WHERE order_id = $1 AND status = 'pending'",
      [orderId, slug],
    );
  },

  /**
   * Earned orders whose refunds call for more reversed points: the target is in proportion to
   * the cash refunded after the earn (`reversalTarget` in domain/order-earnings.ts, here in SQL).
   */
  async refundsDue(q: Queryable, limit: number): Promise<RefundDue[]> {
    const { rows } = await q.query<RefundDue>(
      // numeric: points × minor units can pass bigint's range; div() rounds down (both ≥ 0).
      `SELECT order_id, transaction_id, reversed_points, target FROM (
         SELECT order_id, transaction_id, reversed_points, created_at,
           div(earned_points::numeric * (refunded_cash - refunded_cash_at_earn),
               cash_amount - refunded_cash_at_earn)::bigint AS target
         FROM loyalty.order_earnings
         WHERE status = 'earned' AND refunded_cash > refunded_cash_at_earn) x
       WHERE target > reversed_points ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows;
  },

  /** Records the target as settled (`writtenOff` of it written off), if nobody settled first. */
  settleRefund: (q: Queryable, r: RefundDue, writtenOff: number) =>
    updateOne(
      q,
      `UPDATE loyalty.order_earnings SET reversed_points = $3, written_off_points = written_off_points + $4
       WHERE order_id = $1 AND reversed_points = $2`,
      [r.order_id, r.reversed_points, r.target, writtenOff],
    ),

  /** order_paid: one pending row per order (a second event for it changes nothing). */
  async recordPaid(
    q: Queryable,
    e: {
      orderId: string;
      memberId: string;
      cashAmount: number;
      currency: string | null;
      basePoints: number;
      transactionId: string;
    },
  ): Promise<void> {
    await q.query(
      `INSERT INTO loyalty.order_earnings (order_id, member_id, cash_amount, currency, base_points, transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
      [e.orderId, e.memberId, e.cashAmount, e.currency, e.basePoints, e.transactionId],
    );
  },

  /** order_delivered, once: a repeated event does not push the release back. */
  async setReleaseAt(q: Queryable, orderId: string, releaseAt: Date): Promise<void> {
    await q.query(
      'UPDATE loyalty.order_earnings SET release_at = $2 WHERE order_id = $1 AND release_at IS NULL',
      [orderId, releaseAt],
    );
  },

  /**
   * Raises the refunded cash to `total` (a running total) or by `refunded`, capped at what was
   * paid. False when the order has no earning row.
   */
  async raiseRefunded(
    q: Queryable,
    orderId: string,
    refunded: number,
    total: number | null,
  ): Promise<boolean> {
    const res = await q.query(
      `UPDATE loyalty.order_earnings
       SET refunded_cash = LEAST(cash_amount, CASE WHEN $3::bigint IS NULL THEN refunded_cash + $2 ELSE GREATEST(refunded_cash, $3::bigint) END)
       WHERE order_id = $1 RETURNING order_id`,
      [orderId, refunded, total],
    );
    return res.rows.length > 0;
  },

  /** Voids a pending earning refunded in full, unless a worker's earn is in flight. */
  async voidIfRefunded(q: Queryable, orderId: string): Promise<void> {
    await q.query(
      `UPDATE loyalty.order_earnings SET status = 'voided'
       WHERE order_id = $1 AND status = 'pending' AND refunded_cash >= cash_amount
         AND (claimed_until IS NULL OR claimed_until < clock_timestamp())`,
      [orderId],
    );
  },
};
