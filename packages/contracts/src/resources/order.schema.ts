import { Type, type Static } from 'typebox';
import { AmountMinor, DateTime, Nullable, OneOf } from './primitives.ts';

/** Orders' resource as the gateway, the web app and other services see it (product.schema.ts). */
export const orderStatuses = [
  'pending',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
] as const;
export const checkoutSteps = ['reserve', 'hold', 'charge', 'capture', 'commit'] as const;
export type CheckoutStep = (typeof checkoutSteps)[number];
export const sagaStates = ['forward', 'compensating', 'completed', 'compensated'] as const;
export type SagaState = (typeof sagaStates)[number];

export const OrderStatus = OneOf(orderStatuses);
export type OrderStatus = Static<typeof OrderStatus>;

/** Where the order goes (orders validates the request side, with its limits). */
export const Address = Type.Object({
  name: Type.String(),
  line1: Type.String(),
  line2: Type.Optional(Type.String()),
  city: Type.String(),
  postal_code: Type.String(),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
});
export type Address = Static<typeof Address>;

/** An order as the routes document it (a refund's example shows it changed). */
export const orderExample = {
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

export const Order = Type.Object(
  {
    id: Type.String(),
    user_id: Type.String(),
    status: OrderStatus,
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
    shipping_address: Address,
    payment_id: Nullable(Type.String()),
    cancel_reason: Nullable(Type.String()),
    refund_request: Nullable(Type.Object({ requested_at: DateTime, reason: Type.String() }), {
      description: "the member's refund request, until an admin refunds (or not)",
    }),
    checkout: Type.Object({
      state: OneOf(sagaStates),
      step: Nullable(OneOf(checkoutSteps)),
      attempts: Type.Integer(),
      last_error: Nullable(Type.String()),
    }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { examples: [orderExample] },
);
export type Order = Static<typeof Order>;
