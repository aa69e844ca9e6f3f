import { Type } from 'typebox';
import { defineEvent } from './define-event.ts';

const Uuid = Type.String({ format: 'uuid' });
/** Integer minor units (cents); never a float. */
const AmountMinor = Type.Integer({ minimum: 0, maximum: 1_000_000_000_00 });

/**
 * The seed's order event fields (event_type, order_id, user_id, total_amount, timestamp) stay
 * inside `data`, so consumers written against the seed keep working.
 */
const orderEventData = (eventType: string) =>
  Type.Object(
    {
      event_type: Type.Literal(eventType),
      order_id: Uuid,
      user_id: Uuid,
      total_amount: AmountMinor,
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      timestamp: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: true },
  );

export const orderCreated = defineEvent('order_created', 'orders', orderEventData('order_created'));
export const orderPaid = defineEvent('order_paid', 'orders', orderEventData('order_paid'));
export const orderCancelled = defineEvent(
  'order_cancelled',
  'orders',
  orderEventData('order_cancelled'),
);
