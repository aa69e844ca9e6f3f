import { Type } from 'typebox';
import { limits } from '../domain/order.ts';

const StatusLiteral = Type.Union([
  Type.Literal('pending'),
  Type.Literal('processing'),
  Type.Literal('shipped'),
  Type.Literal('delivered'),
  Type.Literal('cancelled'),
  Type.Literal('refunded'),
]);
const SagaStateLiteral = Type.Union([
  Type.Literal('forward'),
  Type.Literal('compensating'),
  Type.Literal('completed'),
  Type.Literal('compensated'),
]);
const StepLiteral = Type.Union([
  Type.Literal('reserve'),
  Type.Literal('hold'),
  Type.Literal('charge'),
  Type.Literal('capture'),
  Type.Literal('commit'),
  Type.Null(),
]);
const Uuid = Type.String({ format: 'uuid', examples: ['01937a4e-8f1c-7b2a-9c3d-4e5f6a7b8c9d'] });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const AmountMinor = Type.Integer({ minimum: 0, description: 'integer minor units (cents)' });

const text = (max: number, example: string) =>
  Type.String({ minLength: 1, maxLength: max, examples: [example] });

export const ShippingAddress = Type.Object(
  {
    name: text(limits.addressNameLengthMax, 'Ada Lovelace'),
    line1: text(limits.addressLineLengthMax, '12 Harbour Street'),
    line2: Type.Optional(Type.String({ maxLength: limits.addressLineLengthMax })),
    city: text(limits.cityLengthMax, 'Lisbon'),
    postal_code: text(limits.postalCodeLengthMax, '1100-148'),
    country: Type.String({
      pattern: '^[A-Z]{2}$',
      description: 'ISO 3166-1 alpha-2',
      examples: ['PT'],
    }),
  },
  { additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          product_id: Uuid,
          quantity: Type.Integer({ minimum: 1, maximum: limits.quantityMax, examples: [2] }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: limits.itemsMax, description: 'one line per product' },
    ),
    shipping_address: ShippingAddress,
    points_to_use: Type.Optional(
      Type.Integer({ minimum: 0, maximum: limits.pointsToUseMax, examples: [500] }),
    ),
    user_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'admins only: order for this member' }),
    ),
    payment: Type.Object(
      {
        method: Type.Literal('card'),
        token: Type.String({
          minLength: 1,
          maxLength: limits.paymentTokenLengthMax,
          description: "the payment provider's card token; never a card number",
          examples: ['tok_visa'],
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const StatusBody = Type.Object(
  {
    status: StatusLiteral,
  },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: limits.orderTotalMaxMinor,
        description: 'cash to refund, minor units; default: all that is left',
        examples: [1500],
      }),
    ),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid });
export const UserParams = Type.Object({ userId: Uuid });
export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: limits.pageSizeMax, default: limits.pageSizeDefault }),
  cursor: Type.Optional(
    Type.String({ format: 'uuid', description: 'next_cursor of the previous page' }),
  ),
});

export const AdminListQuery = Type.Object({
  ...ListQuery.properties,
  status: Type.Optional(StatusLiteral),
  user_id: Type.Optional(Type.String({ format: 'uuid', description: "only this member's orders" })),
  refund_requested: Type.Optional(
    Type.Boolean({ description: 'only orders whose member asked for a refund' }),
  ),
});

export const RefundRequestBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: limits.refundReasonLengthMax,
      examples: ['The spa was closed on the day'],
    }),
  },
  { additionalProperties: false },
);

export const idempotencyHeader = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'client-chosen id; a retry with the same key never applies twice',
  }),
});
export const optionalIdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

const orderExample = {
  id: '01937a4e-8f1c-7b2a-9c3d-4e5f6a7b8c9d',
  user_id: '01937a4e-0000-7000-8000-000000000001',
  status: 'processing',
  currency: 'USD',
  total_amount: 5000,
  points_used: 1000,
  points_value: 1000,
  cash_amount: 4000,
  refunded_cash: 0,
  reversed_points: 0,
  items: [
    {
      product_id: '01937a4e-0000-7000-8000-00000000000a',
      product_name: 'Spa day',
      unit_price: 2500,
      quantity: 2,
      line_total: 5000,
    },
  ],
  shipping_address: {
    name: 'Ada Lovelace',
    line1: '12 Harbour Street',
    city: 'Lisbon',
    postal_code: '1100-148',
    country: 'PT',
  },
  payment_id: '01937a4e-0000-7000-8000-0000000000b1',
  cancel_reason: null,
  refund_request: null,
  checkout: { state: 'completed', step: null, attempts: 0, last_error: null },
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:01.000Z',
};

export const OrderView = Type.Object(
  {
    id: Type.String(),
    user_id: Type.String(),
    status: StatusLiteral,
    currency: Type.String(),
    total_amount: AmountMinor,
    points_used: Type.Integer(),
    points_value: AmountMinor,
    cash_amount: AmountMinor,
    refunded_cash: AmountMinor,
    reversed_points: Type.Integer(),
    items: Type.Array(
      Type.Object({
        product_id: Type.String(),
        product_name: Type.String(),
        unit_price: AmountMinor,
        quantity: Type.Integer(),
        line_total: AmountMinor,
      }),
    ),
    shipping_address: ShippingAddress,
    payment_id: Nullable(Type.String()),
    cancel_reason: Nullable(Type.String()),
    refund_request: Type.Union(
      [
        Type.Object({
          requested_at: Type.String({ format: 'date-time' }),
          reason: Type.String(),
        }),
        Type.Null(),
      ],
      { description: "the member's refund request, until an admin refunds (or not)" },
    ),
    checkout: Type.Object({
      state: SagaStateLiteral,
      step: StepLiteral,
      attempts: Type.Integer(),
      last_error: Nullable(Type.String()),
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { examples: [orderExample] },
);

export const OrderPage = Type.Object(
  { items: Type.Array(OrderView), next_cursor: Nullable(Type.String()) },
  { examples: [{ items: [orderExample], next_cursor: null }] },
);

export const RefundView = Type.Object(
  {
    refund: Type.Object({
      id: Type.String(),
      cash_amount: AmountMinor,
      points: Type.Integer(),
      full_refund: Type.Boolean(),
      state: Type.String(),
      note: Nullable(Type.String()),
    }),
    order: OrderView,
  },
  {
    examples: [
      {
        refund: {
          id: '01937a4e-0000-7000-8000-0000000000c1',
          cash_amount: 2000,
          points: 500,
          full_refund: false,
          state: 'completed',
          note: null,
        },
        order: { ...orderExample, refunded_cash: 2000, reversed_points: 500 },
      },
    ],
  },
);
