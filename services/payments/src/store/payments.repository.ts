import { parseInt8, type Queryable } from '@redemption/kernel';
import type { Card, Payment, PaymentStatus, ProviderName } from '../domain/payment.ts';

interface PaymentRow {
  id: string;
  order_id: string;
  member_id: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  transaction_id: string;
  provider: ProviderName;
  card_brand: string | null;
  card_last4: string | null;
  refunded_amount: string;
  created_at: Date | string;
}

const columns = `id, order_id, member_id, amount::text, currency, status, transaction_id, provider,
  card_brand, card_last4, refunded_amount::text, created_at`;

function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    order_id: r.order_id,
    member_id: r.member_id,
    amount: parseInt8(r.amount),
    currency: r.currency,
    payment_method: 'card',
    status: r.status,
    transaction_id: r.transaction_id,
    provider: r.provider,
    card: r.card_brand && r.card_last4 ? { brand: r.card_brand, last4: r.card_last4 } : null,
    refunded_amount: parseInt8(r.refunded_amount),
    created_at: new Date(r.created_at),
  };
}

export interface NewPayment {
  id: string;
  order_id: string;
  member_id: string;
  amount: number;
  currency: string;
  transaction_id: string;
  provider: ProviderName;
  card: Card | null;
}

export const paymentsRepository = {
  async get(q: Queryable, id: string, lock = false): Promise<Payment | null> {
    const { rows } = await q.query<PaymentRow>(
      `SELECT ${columns} FROM payments.payments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toPayment(rows[0]) : null;
  },

  async byOrder(q: Queryable, orderId: string): Promise<Payment | null> {
    const { rows } = await q.query<PaymentRow>(
      `SELECT ${columns} FROM payments.payments WHERE order_id = $1`,
      [orderId],
    );
    return rows[0] ? toPayment(rows[0]) : null;
  },

  async byTransaction(q: Queryable, provider: ProviderName, txId: string): Promise<Payment | null> {
    const { rows } = await q.query<PaymentRow>(
      `SELECT ${columns} FROM payments.payments WHERE provider = $1 AND transaction_id = $2 FOR UPDATE`,
      [provider, txId],
    );
    return rows[0] ? toPayment(rows[0]) : null;
  },

  /** Inserts the payment; null when the order already has one (order_id is unique). */
  async insert(q: Queryable, p: NewPayment): Promise<Payment | null> {
    const { rows } = await q.query<PaymentRow>(
      `INSERT INTO payments.payments (id, order_id, member_id, amount, currency, payment_method, status,
         transaction_id, provider, card_brand, card_last4)
       VALUES ($1, $2, $3, $4, $5, 'card', 'succeeded', $6, $7, $8, $9)
       ON CONFLICT (order_id) DO NOTHING
       RETURNING ${columns}`,
      [
        p.id,
        p.order_id,
        p.member_id,
        p.amount,
        p.currency,
        p.transaction_id,
        p.provider,
        p.card?.brand ?? null,
        p.card?.last4 ?? null,
      ],
    );
    return rows[0] ? toPayment(rows[0]) : null;
  },

  async setRefunded(q: Queryable, id: string, refunded: number, status: PaymentStatus) {
    await q.query(
      'UPDATE payments.payments SET refunded_amount = $2, status = $3, updated_at = now() WHERE id = $1',
      [id, refunded, status],
    );
  },
};
