import type { Order } from '@redemption/contracts';
import { ProblemError, type Outcome, type ProblemBody } from '@redemption/kernel';
import type { ItemRow, OrderRow } from '../store/orders.repository.ts';

/** The order as the API shows it (snake_case; amounts in integer minor units). */
export function orderView(o: OrderRow, items: readonly ItemRow[]): Order {
  return {
    id: o.id,
    user_id: o.user_id,
    status: o.status,
    currency: o.currency,
    total_amount: o.total_amount,
    points_used: o.points_used,
    points_value: o.points_value,
    cash_amount: o.cash_amount,
    refunded_cash: o.refunded_cash,
    reversed_points: o.reversed_points,
    items: items.map((i) => ({
      product_id: i.product_id,
      product_name: i.product_name,
      unit_price: i.unit_price,
      quantity: i.quantity,
      line_total: i.unit_price * i.quantity,
    })),
    shipping_address: o.shipping_address,
    payment_id: o.payment_id,
    cancel_reason: o.cancel_reason,
    refund_request: o.refund_requested_at
      ? { requested_at: o.refund_requested_at.toISOString(), reason: o.refund_request_reason ?? '' }
      : null,
    checkout: {
      state: o.saga_state,
      step: o.saga_step,
      attempts: o.saga_attempts,
      last_error: o.saga_last_error,
    },
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

/** The problem a failed checkout answers with, naming the order it cancelled. */
export function checkoutProblem(o: OrderRow): ProblemError {
  const f = o.saga_failure ?? {
    status: 409,
    slug: 'order-cancelled',
    title: 'Conflict',
    detail: o.cancel_reason ?? 'The order was cancelled',
    extensions: {},
  };
  return new ProblemError(f.status, f.slug, f.title, f.detail, { ...f.extensions, order_id: o.id });
}

export const locationOf = (orderId: string): string => `/api/orders/${orderId}`;

/**
 * What POST /api/orders answers for an order in its current state: 201 once paid, the failure
 * (after compensation) once cancelled, 202 while the outcome is still being worked out (not
 * final: a retry with the key reports the order as it is by then). A failure's problem body is
 * sent as it is.
 */
export function checkoutOutcome(
  o: OrderRow,
  items: readonly ItemRow[],
): Outcome<Order | ProblemBody> {
  if (o.saga_state === 'compensated') {
    const p = checkoutProblem(o);
    return { statusCode: p.status, body: p.toBody(locationOf(o.id)) };
  }
  if (o.saga_state === 'completed') return { statusCode: 201, body: orderView(o, items) };
  return { statusCode: 202, body: orderView(o, items), final: false };
}
