import { Type } from 'typebox';
import { defineEvent } from './define-event.ts';

const Uuid = Type.String({ format: 'uuid' });
const Amount = Type.Integer({ minimum: 1, description: 'integer minor units' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Provider = Type.Union([Type.Literal('simulated'), Type.Literal('stripe')]);

/** An order was charged; the subject is the order id. */
export const paymentSucceeded = defineEvent(
  'payment_succeeded',
  'payments',
  Type.Object({
    payment_id: Uuid,
    order_id: Uuid,
    member_id: Uuid,
    amount: Amount,
    currency: Currency,
    provider: Provider,
    transaction_id: Type.String({ minLength: 1, maxLength: 255 }),
  }),
);

/** A charge was declined or the provider failed (nothing charged); the subject is the order id. */
export const paymentFailed = defineEvent(
  'payment_failed',
  'payments',
  Type.Object({
    attempt_id: Uuid,
    order_id: Uuid,
    member_id: Uuid,
    amount: Amount,
    currency: Currency,
    provider: Provider,
    outcome: Type.Union([Type.Literal('declined'), Type.Literal('provider_error')]),
    decline_code: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  }),
);

/** Money went back to the member; `refunded_amount` is the payment's total refunded so far. */
export const paymentRefunded = defineEvent(
  'payment_refunded',
  'payments',
  Type.Object({
    payment_id: Uuid,
    refund_id: Uuid,
    order_id: Uuid,
    member_id: Uuid,
    amount: Amount,
    refunded_amount: Amount,
    currency: Currency,
    status: Type.Union([Type.Literal('partially_refunded'), Type.Literal('refunded')]),
  }),
);
