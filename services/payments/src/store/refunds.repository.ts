import { parseInt8, type Queryable } from '@redemption/kernel';
import type { RefundRecord } from '../domain/payment.ts';

interface RefundRow extends Omit<RefundRecord, 'amount' | 'created_at'> {
  amount: string;
  created_at: Date | string;
}

export const refundsRepository = {
  async insert(
    q: Queryable,
    r: Omit<RefundRecord, 'created_at' | 'status'>,
  ): Promise<RefundRecord> {
    const { rows } = await q.query<RefundRow>(
      `INSERT INTO payments.refunds (id, payment_id, amount, reason, provider_refund_id, status)
       VALUES ($1, $2, $3, $4, $5, 'succeeded')
       RETURNING id, payment_id, amount::text, status, reason, provider_refund_id, created_at`,
      [r.id, r.payment_id, r.amount, r.reason, r.provider_refund_id],
    );
    const row = rows[0]!;
    return { ...row, amount: parseInt8(row.amount), created_at: new Date(row.created_at) };
  },

  async existsForProviderId(q: Queryable, providerRefundId: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM payments.refunds WHERE provider_refund_id = $1', [
      providerRefundId,
    ]);
    return rows.length > 0;
  },
};

export const webhookEventsRepository = {
  /** Records a Stripe event id; false when it was handled before (a redelivery). */
  async claim(q: Queryable, id: string, type: string): Promise<boolean> {
    const { rows } = await q.query(
      `INSERT INTO payments.webhook_events (id, type) VALUES ($1, $2)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, type],
    );
    return rows.length === 1;
  },
};
