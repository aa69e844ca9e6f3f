import { parseInt8, type Queryable } from '@redemption/kernel';
import { chargeProcessingMaxMs } from '@redemption/contracts';
import type { ProviderName } from '../domain/payment.ts';

/**
 * `duplicate`: charged, then refunded, because the order had been paid meanwhile.
 * `abandoned`: never charged (cancelled at the provider, or no charge was ever created).
 */
export type AttemptOutcome =
  'succeeded' | 'declined' | 'provider_error' | 'duplicate' | 'abandoned';

export interface NewAttempt {
  id: string;
  order_id: string;
  member_id: string;
  amount: number;
  currency: string;
  provider: ProviderName;
  /** Which request made it (a hash of its Idempotency-Key): its retry may resume it. */
  provider_key: string;
}

export interface Attempt extends NewAttempt {
  /** The provider's charge id, once prepared; null while none exists (nothing can be charged). */
  transaction_id: string | null;
  /**
   * Older than `chargeProcessingMaxMs`: its request would have answered by now had it lived.
   * Only used to take over an attempt the provider says was never confirmed.
   */
  stale: boolean;
}

interface AttemptRow extends Omit<Attempt, 'amount'> {
  amount: string;
}

const columns = `id, order_id, member_id, amount::text, currency, provider, provider_key, transaction_id,
  created_at < now() - $2 * interval '1 millisecond' AS stale`;

const toAttempt = (r: AttemptRow): Attempt => ({ ...r, amount: parseInt8(r.amount) });

/** Charge attempts: a pending one is the order's lock while the provider is involved. */
export const attemptsRepository = {
  /** Takes the order's in-flight slot (a unique partial index); null when one is pending. */
  async start(q: Queryable, a: NewAttempt): Promise<Attempt | null> {
    const { rows } = await q.query<AttemptRow>(
      `INSERT INTO payments.payment_attempts
         (id, order_id, member_id, amount, currency, provider, provider_key, outcome)
       VALUES ($1, $3, $4, $5, $6, $7, $8, 'pending')
       ON CONFLICT (order_id) WHERE outcome = 'pending' DO NOTHING
       RETURNING ${columns}`,
      [
        a.id,
        chargeProcessingMaxMs,
        a.order_id,
        a.member_id,
        a.amount,
        a.currency,
        a.provider,
        a.provider_key,
      ],
    );
    return rows[0] ? toAttempt(rows[0]) : null;
  },

  async pending(q: Queryable, orderId: string): Promise<Attempt | null> {
    const { rows } = await q.query<AttemptRow>(
      `SELECT ${columns} FROM payments.payment_attempts WHERE order_id = $1 AND outcome = 'pending'`,
      [orderId, chargeProcessingMaxMs],
    );
    return rows[0] ? toAttempt(rows[0]) : null;
  },

  /**
   * Stores the provider's charge id, only while the attempt is pending and its order is not
   * voided. This is the fence: an attempt superseded or voided meanwhile never confirms.
   */
  async setTransaction(q: Queryable, id: string, transactionId: string): Promise<boolean> {
    const res = await q.query(
      `UPDATE payments.payment_attempts a SET transaction_id = $2
       WHERE id = $1 AND outcome = 'pending' AND transaction_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM payments.voided_orders v WHERE v.order_id = a.order_id)`,
      [id, transactionId],
    );
    return res.rowCount === 1;
  },

  /** Settles a pending attempt; false when it was settled already (by a concurrent request). */
  async settle(
    q: Queryable,
    id: string,
    outcome: AttemptOutcome,
    extra: { declineCode?: string | null; paymentId?: string | null } = {},
  ): Promise<boolean> {
    const res = await q.query(
      `UPDATE payments.payment_attempts SET outcome = $2, decline_code = $3, payment_id = $4, settled_at = now()
       WHERE id = $1 AND outcome = 'pending'`,
      [id, outcome, extra.declineCode ?? null, extra.paymentId ?? null],
    );
    return res.rowCount === 1;
  },

  /** Gives up an attempt that never got a charge id: nothing can have been charged. */
  async abandonUnprepared(q: Queryable, id: string): Promise<boolean> {
    const res = await q.query(
      `UPDATE payments.payment_attempts SET outcome = 'abandoned', settled_at = now()
       WHERE id = $1 AND outcome = 'pending' AND transaction_id IS NULL`,
      [id],
    );
    return res.rowCount === 1;
  },

  /** The webhook saw this charge succeed: its attempt (if still pending) is settled with it. */
  async settleByTransaction(
    q: Queryable,
    transactionId: string,
    outcome: 'succeeded' | 'duplicate',
    paymentId: string | null,
  ) {
    await q.query(
      `UPDATE payments.payment_attempts SET outcome = $2, payment_id = $3, settled_at = now()
       WHERE transaction_id = $1 AND outcome = 'pending'`,
      [transactionId, outcome, paymentId],
    );
  },

  /** An attempt the provider refused as a bad token is the caller's error: it leaves no trace. */
  async drop(q: Queryable, id: string): Promise<void> {
    await q.query("DELETE FROM payments.payment_attempts WHERE id = $1 AND outcome = 'pending'", [
      id,
    ]);
  },
};

export const voidedOrdersRepository = {
  async mark(q: Queryable, orderId: string, reason: string | null): Promise<void> {
    await q.query(
      `INSERT INTO payments.voided_orders (order_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [orderId, reason],
    );
  },
  async has(q: Queryable, orderId: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM payments.voided_orders WHERE order_id = $1', [
      orderId,
    ]);
    return rows.length > 0;
  },
};

/**
 * Serializes, per order, the transactions that record a charge and those that void the order
 * (until commit): whichever commits second sees the first, so a charge landing while the order
 * is voided is always refunded.
 */
export async function lockOrder(q: Queryable, orderId: string): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended('payments.order:' || $1, 0))", [
    orderId,
  ]);
}
