import { Type } from 'typebox';
import { amountMinorMax, refundReasonLengthMax, tokenLengthMax } from '../domain/payment.ts';

const Uuid = Type.String({ format: 'uuid', examples: ['0192f5c4-7f1e-7a3b-9c2d-5e6f7a8b9c0d'] });
const Amount = Type.Integer({
  minimum: 1,
  maximum: amountMinorMax,
  description: 'integer minor units (cents)',
  examples: [4999],
});
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217', examples: ['USD'] });
const Timestamp = Type.String({ format: 'date-time' });

export const idempotencyHeader = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'client-chosen id; a retry with the same key never charges or refunds twice',
  }),
});

export const ProcessBody = Type.Object(
  {
    order_id: Uuid,
    member_id: Uuid,
    amount: Amount,
    currency: Currency,
    payment_method: Type.Literal('card'),
    token: Type.String({
      minLength: 1,
      maxLength: tokenLengthMax,
      description: 'a provider token (Stripe `tok_…`/`pm_…`); card numbers are refused',
      examples: ['tok_visa'],
    }),
  },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    payment_id: Uuid,
    amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: amountMinorMax,
        description: 'integer minor units; default: all that is left',
        examples: [1000],
      }),
    ),
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: refundReasonLengthMax,
        examples: ['guest cancelled'],
      }),
    ),
  },
  { additionalProperties: false },
);

export const VoidBody = Type.Object(
  {
    order_id: Uuid,
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: refundReasonLengthMax,
        examples: ['checkout failed'],
      }),
    ),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid });
export const OrderParams = Type.Object({ orderId: Uuid });

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

export const PaymentView = Type.Object(
  {
    id: Type.String(),
    order_id: Type.String(),
    member_id: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    payment_method: Type.Literal('card'),
    status: Type.Union([
      Type.Literal('succeeded'),
      Type.Literal('partially_refunded'),
      Type.Literal('refunded'),
    ]),
    transaction_id: Type.String(),
    provider: Type.Union([Type.Literal('simulated'), Type.Literal('stripe')]),
    card: Type.Union([Type.Object({ brand: Type.String(), last4: Type.String() }), Type.Null()]),
    refunded_amount: Type.Integer(),
    created_at: Timestamp,
  },
  { examples: [paymentExample] },
);

export const RefundView = Type.Object(
  {
    id: Type.String(),
    payment_id: Type.String(),
    amount: Type.Integer(),
    status: Type.Literal('succeeded'),
    reason: Type.Union([Type.String(), Type.Null()]),
    provider_refund_id: Type.String(),
    created_at: Timestamp,
    payment: PaymentView,
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

export const VoidView = Type.Object(
  {
    order_id: Type.String(),
    payment: Type.Union([PaymentView, Type.Null()], {
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

/** RFC 9457 problem; extensions (decline_code, refundable, errors) pass through. */
export const ProblemView = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    examples: [
      {
        type: '/problems/payment-declined',
        title: 'Payment declined',
        status: 402,
        detail: 'The card was declined (insufficient_funds)',
        decline_code: 'insufficient_funds',
      },
    ],
  },
);

export const StripeSignatureHeader = Type.Object({
  'stripe-signature': Type.Optional(Type.String({ maxLength: 2048 })),
});

export const WebhookAck = Type.Object(
  {
    received: Type.Literal(true),
    duplicate: Type.Boolean(),
    ignored: Type.Optional(
      Type.Literal(true, {
        description: 'the event object did not have the expected shape: logged and skipped',
      }),
    ),
  },
  { examples: [{ received: true, duplicate: false }] },
);
