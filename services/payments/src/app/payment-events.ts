import { paymentSucceeded } from '@redemption/contracts';
import type { Publisher, Queryable } from '@redemption/kernel';
import type { Payment } from '../domain/payment.ts';

/** payment_succeeded, in the transaction that inserted the payment. */
export const publishSucceeded = (events: Publisher, q: Queryable, payment: Payment) =>
  events.publish(q, paymentSucceeded, {
    subject: payment.order_id,
    data: {
      payment_id: payment.id,
      order_id: payment.order_id,
      member_id: payment.member_id,
      amount: payment.amount,
      currency: payment.currency,
      provider: payment.provider,
      transaction_id: payment.transaction_id,
    },
  });
