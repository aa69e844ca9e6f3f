import { paymentRefunded } from '@redemption/contracts';
import { newId, notFound, type Publisher, type Queryable } from '@redemption/kernel';
import {
  refundAmount,
  refundableOf,
  statusAfterRefund,
  type Payment,
  type RefundRecord,
} from '../domain/payment.ts';
import { ProviderUnavailable, type PaymentProvider } from '../providers/payment-provider.ts';
import { voidedOrdersRepository } from '../store/attempts.repository.ts';
import { paymentsRepository as payments } from '../store/payments.repository.ts';
import { refundsRepository } from '../store/refunds.repository.ts';
import { providerError, refundExceeds } from './payment-problems.ts';

export interface RefundRequest {
  payment_id: string;
  amount?: number | undefined;
  reason?: string | undefined;
}

export interface Refunded {
  refund: RefundRecord;
  payment: Payment;
}

/**
 * Refunds inside the caller's transaction `q`, holding the payment's row lock (FOR UPDATE) from
 * the refundable check to the update: concurrent refunds of one payment queue on the lock and
 * each sees what the previous one left, so together they never exceed the amount. The provider
 * call happens under the lock; its key makes a retry after a failed commit refund only once.
 */
export function createRefundService(deps: { provider: PaymentProvider; events: Publisher }) {
  const { provider, events } = deps;
  const service = {
    async refund(q: Queryable, req: RefundRequest, providerKey: string): Promise<Refunded> {
      const payment = await payments.get(q, req.payment_id, true);
      if (!payment) throw notFound('payment');
      const amount = refundAmount(payment, req.amount);
      if (amount === null) throw refundExceeds(refundableOf(payment));
      let providerRefundId: string;
      try {
        ({ refundId: providerRefundId } = await provider.refund({
          transactionId: payment.transaction_id,
          amount,
          idempotencyKey: providerKey,
        }));
      } catch (err) {
        if (err instanceof ProviderUnavailable) throw providerError();
        throw err;
      }
      const refund = await refundsRepository.insert(q, {
        id: newId(),
        payment_id: payment.id,
        amount,
        reason: req.reason ?? null,
        provider_refund_id: providerRefundId,
      });
      const updated = await applyRefund(q, events, payment, refund);
      return { refund, payment: updated };
    },

    /** Refunds all that is left of a payment (nothing when nothing is); the payment after. */
    async refundRest(
      q: Queryable,
      paymentId: string,
      reason: string,
      providerKey: string,
    ): Promise<Payment> {
      const payment = await payments.get(q, paymentId, true);
      if (!payment) throw notFound('payment');
      if (refundableOf(payment) === 0) return payment;
      return (await service.refund(q, { payment_id: paymentId, reason }, providerKey)).payment;
    },

    /**
     * A charge recorded for an order that was voided (its checkout undone or cancelled): the
     * money goes back at once, in the transaction that recorded it (the caller holds the
     * order's lock, so a void cannot slip in between). The key is the charge's own, so a
     * retry refunds once.
     */
    async refundIfVoided(q: Queryable, payment: Payment): Promise<Payment> {
      if (!(await voidedOrdersRepository.has(q, payment.order_id))) return payment;
      const key = `${payment.transaction_id}:voided-order`;
      return service.refundRest(q, payment.id, 'order voided: checkout undone or cancelled', key);
    },
  };
  return service;
}

/** Adds a recorded refund to its payment and publishes payment_refunded (same transaction). */
export async function applyRefund(
  q: Queryable,
  events: Publisher,
  payment: Payment,
  refund: Pick<RefundRecord, 'id' | 'amount'>,
): Promise<Payment> {
  const refunded = payment.refunded_amount + refund.amount;
  const status = statusAfterRefund(payment.amount, refunded);
  await payments.setRefunded(q, payment.id, refunded, status);
  await events.publish(q, paymentRefunded, {
    subject: payment.order_id,
    data: {
      payment_id: payment.id,
      refund_id: refund.id,
      order_id: payment.order_id,
      member_id: payment.member_id,
      amount: refund.amount,
      refunded_amount: refunded,
      currency: payment.currency,
      status: status === 'refunded' ? 'refunded' : 'partially_refunded',
    },
  });
  return { ...payment, refunded_amount: refunded, status };
}

export type RefundService = ReturnType<typeof createRefundService>;
