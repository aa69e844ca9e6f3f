import { Type, type Static } from 'typebox';
import { defineEvent } from './define-event.ts';

const Uuid = Type.String({ format: 'uuid' });
/** Integer minor units (cents); never a float. */
const AmountMinor = Type.Integer({ minimum: 0, maximum: 1_000_000_000_00 });
const Points = Type.Integer({ minimum: 0, maximum: 1_000_000_000_00 });

/** Line items per order at most (orders' own limit). */
export const orderLinesMax = 50;

/** One line of an order (data version 2): the product, how many, and the unit price paid. */
export const OrderLine = Type.Object(
  {
    product_id: Uuid,
    quantity: Type.Integer({ minimum: 1, maximum: 100 }),
    unit_price: AmountMinor,
  },
  { additionalProperties: true },
);
export type OrderLine = Static<typeof OrderLine>;

/**
 * The version of an order event's `data`. Version 1 (no `data_version` field) is the seed's
 * message plus how the order was paid. Version 2 adds, on `order_created` and `order_paid`,
 * what the seed's message had and analytics needs: the line items (`items`) and the shipping
 * country (`country`, ISO 3166-1 alpha-2). Every new field is optional and extra fields are
 * allowed, so a consumer written for version 1 keeps working, and a version 2 consumer reads
 * version 1 events (no items, no country) too.
 */
export const orderEventDataVersion = 2;

/**
 * The seed's order event fields (event_type, order_id, user_id, total_amount, timestamp) stay
 * inside `data`, so consumers written against the seed keep working. Every event also states
 * how the order was paid: `cash_amount` (minor units charged to the card) and `points_used`.
 */
const orderEventData = <P extends Record<string, ReturnType<typeof Type.Integer>>>(
  eventType: string,
  extra: P,
) =>
  Type.Object(
    {
      event_type: Type.Literal(eventType),
      order_id: Uuid,
      user_id: Uuid,
      total_amount: AmountMinor,
      cash_amount: AmountMinor,
      points_used: Points,
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      timestamp: Type.String({ format: 'date-time' }),
      data_version: Type.Optional(Type.Integer({ minimum: 1, maximum: orderEventDataVersion })),
      items: Type.Optional(Type.Array(OrderLine, { minItems: 1, maxItems: orderLinesMax })),
      country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
      ...extra,
    },
    { additionalProperties: true },
  );

export const orderCreated = defineEvent(
  'order_created',
  'orders',
  orderEventData('order_created', {}),
);
/** Loyalty credits earned points from `cash_amount` (points spent earn nothing). */
export const orderPaid = defineEvent('order_paid', 'orders', orderEventData('order_paid', {}));
export const orderShipped = defineEvent(
  'order_shipped',
  'orders',
  orderEventData('order_shipped', {}),
);
export const orderDelivered = defineEvent(
  'order_delivered',
  'orders',
  orderEventData('order_delivered', {}),
);
/**
 * `refunded_cash` / `reversed_points`: what this cancellation gave back of an order that had been
 * paid (order_paid was published), so loyalty can take back earned points in proportion. A
 * checkout that failed before payment completed carries 0 for both: nothing was earned.
 */
export const orderCancelled = defineEvent(
  'order_cancelled',
  'orders',
  orderEventData('order_cancelled', { refunded_cash: AmountMinor, reversed_points: Points }),
);
/**
 * One refund of a paid order: `refunded_cash` and `reversed_points` are this refund's amounts;
 * `total_refunded_cash` is the running total, so a consumer can recompute from any event.
 */
export const orderRefunded = defineEvent(
  'order_refunded',
  'orders',
  orderEventData('order_refunded', {
    refunded_cash: AmountMinor,
    reversed_points: Points,
    total_refunded_cash: AmountMinor,
  }),
);
