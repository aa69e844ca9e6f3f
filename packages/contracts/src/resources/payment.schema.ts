import { Type, type Static } from 'typebox';
import { DateTime, Nullable, OneOf } from './primitives.ts';

/** Payments' resources as orders, the gateway and the web app see them (see product.schema.ts). */
export const paymentStatuses = ['succeeded', 'partially_refunded', 'refunded'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
export const paymentProviders = ['simulated', 'stripe'] as const;
export type PaymentProvider = (typeof paymentProviders)[number];

const paymentExample = {
  id: '0192f5c4-7f1e-7a3b-9c2d-5e6f7a8b9c0d',
  order_id: '0192f5c4-6a00-7b11-8c22-1d2e3f4a5b6c',
  member_id: '0192f5c4-5000-7c00-8d00-0e1f2a3b4c5d',
  amount: 4999,
  currency: 'USD',
  payment_method: 'card',
  status: 'succeeded',
  transaction_id: 'pi_3QxYzAbCdEfGhIjK',
  provider: 'stripe',
  card: { brand: 'visa', last4: '4242' },
  refunded_amount: 0,
  created_at: '2026-11-03T10:15:00.000Z',
};

export const Payment = Type.Object(
  {
    id: Type.String(),
    order_id: Type.String(),
    member_id: Type.String(),
    amount: Type.Integer({ description: 'integer minor units (cents)' }),
    currency: Type.String({ description: 'ISO 4217' }),
    payment_method: Type.Literal('card'),
    status: OneOf(paymentStatuses),
    transaction_id: Type.String({ description: "the provider's id (PaymentIntent id for Stripe)" }),
    provider: OneOf(paymentProviders),
    card: Nullable(Type.Object({ brand: Type.String(), last4: Type.String() })),
    refunded_amount: Type.Integer(),
    created_at: DateTime,
  },
  { examples: [paymentExample] },
);
export type Payment = Static<typeof Payment>;

/** What `process` charges (payments checks the limits: amount, token length, no card number). */
export const ChargeRequest = Type.Object({
  order_id: Type.String(),
  member_id: Type.String(),
  amount: Type.Integer({ description: 'integer minor units (cents)' }),
  currency: Type.String({ description: 'ISO 4217' }),
  payment_method: Type.Literal('card'),
  token: Type.String({ description: "the provider's card token; never a card number" }),
});
export type ChargeRequest = Static<typeof ChargeRequest>;

/** A refund, with the payment as it is after it. */
export const Refund = Type.Object(
  {
    id: Type.String(),
    payment_id: Type.String(),
    amount: Type.Integer(),
    status: Type.Literal('succeeded'),
    reason: Nullable(Type.String()),
    provider_refund_id: Type.String(),
    created_at: DateTime,
    payment: Payment,
  },
  {
    examples: [
      {
        id: '0192f5d0-1111-7222-8333-444455556666',
        payment_id: paymentExample.id,
        amount: 1000,
        status: 'succeeded',
        reason: 'guest cancelled',
        provider_refund_id: 're_3QxYzAbCdEfGhIjK',
        created_at: '2026-11-04T09:00:00.000Z',
        payment: { ...paymentExample, status: 'partially_refunded', refunded_amount: 1000 },
      },
    ],
  },
);
export type Refund = Static<typeof Refund>;

/** What a void answers: the order's payment, if it had one, now refunded in full. */
export const VoidedOrder = Type.Object(
  {
    order_id: Type.String(),
    payment: Nullable(Payment, {
      description: "the order's payment, refunded in full; null when it was never charged",
    }),
  },
  {
    examples: [
      {
        order_id: paymentExample.order_id,
        payment: { ...paymentExample, status: 'refunded', refunded_amount: 4999 },
      },
    ],
  },
);
export type VoidedOrder = Static<typeof VoidedOrder>;
