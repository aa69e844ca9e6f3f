import { Uuid as KernelUuid } from '@redemption/kernel';
import { Type } from 'typebox';
import { amountMinorMax, refundReasonLengthMax, tokenLengthMax } from '../domain/payment.ts';

const Uuid = { ...KernelUuid, examples: ['0192f5c4-7f1e-7a3b-9c2d-5e6f7a8b9c0d'] };
const Amount = Type.Integer({
  minimum: 1,
  maximum: amountMinorMax,
  description: 'integer minor units (cents)',
  examples: [4999],
});
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217', examples: ['USD'] });

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
