import { Order, OrderStatus, orderExample } from '@redemption/contracts';
import { Nullable, AmountMinor, Uuid as KernelUuid } from '@redemption/kernel';
import { Type } from 'typebox';
import { limits } from '../domain/order.ts';

const Uuid = { ...KernelUuid, examples: ['01937a4e-8f1c-7b2a-9c3d-4e5f6a7b8c9d'] };

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
    status: OrderStatus,
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
  status: Type.Optional(OrderStatus),
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

export const OrderPage = Type.Object(
  { items: Type.Array(Order), next_cursor: Nullable(Type.String()) },
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
    order: Order,
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
