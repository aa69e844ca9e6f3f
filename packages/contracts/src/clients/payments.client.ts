import type { ChargeRequest, Payment, Refund, VoidedOrder } from '../resources/payment.schema.ts';
import { call, enc, type ServiceTransport } from './transport.ts';

/**
 * The longest payments keeps one charge "being processed" when nothing crashed: every provider
 * call of the charge with its retries (payments checks its provider timeouts fit). Meanwhile a
 * retry of `process` is answered 409 `payment-in-progress` (or the kernel's
 * `idempotency-key-in-flight` for the same key), which means *ask again later*, never *refused*.
 * A caller that keeps retrying for longer than this (plus the kernel's idempotency lease, which
 * holds a crashed request's key) sees the charge settled; the checkout saga's retry horizon is
 * sized from it (services/orders/src/index.ts).
 */
export const chargeProcessingMaxMs = 60_000;

/**
 * Payments for other services (checkout). `process` charges once per order (idempotent on its
 * key and on order_id): a decline is 402 `payment-declined` with `decline_code`
 * (`card_declined`, `insufficient_funds`); a provider failure is 502 `payment-provider-error`
 * (nothing charged, safe to retry); 409 `payment-in-progress` means the outcome is not known
 * yet (retry later); 409 `order-voided` means the order was voided and is never charged.
 * `refund` takes all that is left unless `amount` is given; more than is left is 422
 * `refund-exceeds-payment`. `voidOrder` makes sure an order ends with no money taken: it
 * settles a charge still in flight by asking the provider, refunds what was taken, and refunds
 * any charge that lands for the order later (409 `payment-in-progress`: retry later).
 */
export interface PaymentsClient {
  process(body: ChargeRequest, key: string): Promise<Payment>;
  get(id: string): Promise<Payment>;
  /** The order's payment, or null when it has none (404). */
  byOrder(orderId: string): Promise<Payment | null>;
  refund(
    body: { payment_id: string; amount?: number; reason?: string },
    key: string,
  ): Promise<Refund>;
  voidOrder(body: { order_id: string; reason?: string }, key: string): Promise<VoidedOrder>;
}

export function paymentsClient(t: ServiceTransport): PaymentsClient {
  return {
    process: (body, key) =>
      call('payments', t, {
        method: 'POST',
        path: '/api/payments/process',
        body,
        idempotencyKey: key,
      }),
    get: (id) => call('payments', t, { method: 'GET', path: `/api/payments/${enc(id)}` }),
    async byOrder(orderId) {
      const res = await t({ method: 'GET', path: `/api/payments/order/${enc(orderId)}` });
      if (res.status === 404) return null;
      return call('payments', () => Promise.resolve(res), { method: 'GET', path: '' });
    },
    refund: (body, key) =>
      call('payments', t, {
        method: 'POST',
        path: '/api/payments/refund',
        body,
        idempotencyKey: key,
      }),
    voidOrder: (body, key) =>
      call('payments', t, {
        method: 'POST',
        path: '/api/payments/void',
        body,
        idempotencyKey: key,
      }),
  };
}
