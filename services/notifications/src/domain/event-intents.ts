import type { TemplateName } from './kinds.ts';
import type { Payload } from './message-vars.ts';

/** A message one member should get, before channels and preferences are decided. */
export interface Intent {
  template: TemplateName;
  memberId: string;
  payload: Payload;
}

interface EventLike {
  type: string;
  data: unknown;
}

const field = (data: unknown, key: string): unknown =>
  typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;

/** A string or number field, as the contracts promise it (validated before the handler runs). */
function pick(data: unknown, keys: readonly string[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const key of keys) {
    const v = field(data, key);
    out[key] = typeof v === 'string' || typeof v === 'number' ? v : null;
  }
  return out;
}

const one = (
  template: TemplateName,
  memberKey: string,
  data: unknown,
  payload: Payload,
): Intent[] => {
  const memberId = field(data, memberKey);
  return typeof memberId === 'string' ? [{ template, memberId, payload }] : [];
};

/**
 * The messages an event asks for (none for most events). Pure: the consumer stores one
 * delivery per intent and channel in the event's inbox transaction.
 */
export function intentsFor(event: EventLike): Intent[] {
  const d = event.data;
  switch (event.type) {
    case 'member_registered':
      return field(d, 'role') === 'member' ? one('welcome', 'member_id', d, {}) : [];
    case 'password_reset_requested':
      return one('password_reset', 'member_id', d, pick(d, ['request_id']));
    case 'email_change_requested':
      return one('email_change', 'member_id', d, pick(d, ['request_id']));
    // Confirmed once paid (order_created comes before the charge, which may still fail).
    case 'order_paid':
      return one('order_confirmation', 'user_id', d, orderPayload(d, 'total_amount'));
    case 'order_shipped':
      return one('order_shipped', 'user_id', d, pick(d, ['order_id']));
    case 'order_delivered':
      return one('order_delivered', 'user_id', d, pick(d, ['order_id']));
    case 'payment_succeeded':
      return one('payment_receipt', 'member_id', d, {
        ...orderPayload(d, 'amount'),
        payment_id: String(field(d, 'payment_id')),
      });
    case 'payment_failed':
      return one('payment_failed', 'member_id', d, {
        ...orderPayload(d, 'amount'),
        reason: String(field(d, 'decline_code') ?? field(d, 'outcome') ?? 'declined'),
      });
    case 'payment_refunded':
      return one('refund', 'member_id', d, orderPayload(d, 'amount'));
    // Loyalty publishes it when points become spendable (order points after the return window).
    case 'points_earned':
      return one('points_earned', 'member_id', d, pick(d, ['points']));
    default:
      return [];
  }
}

function orderPayload(d: unknown, amountKey: string): Payload {
  const p = pick(d, ['order_id', 'currency', amountKey]);
  return {
    order_id: p['order_id'] ?? null,
    currency: p['currency'] ?? null,
    amount_minor: p[amountKey] ?? null,
  };
}
