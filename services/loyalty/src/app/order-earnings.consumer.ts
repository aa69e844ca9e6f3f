import { orderCancelled, orderDelivered, orderPaid, orderRefunded } from '@redemption/contracts';
import type { Logger, Queryable, Subscription } from '@redemption/kernel';
import { releaseAt } from '../domain/order-earnings.ts';
import { accountsRepository } from '../store/accounts.repository.ts';
import { orderEarningsRepository } from '../store/order-earnings.repository.ts';
import { orderEarnId } from './deterministic-id.ts';

export const orderEarningsGroup = 'loyalty.order-earnings';
/** Minor units per whole currency unit: the earn rate is per unit (2-decimal currencies). */
const minorUnitsPerUnit = 100;

/** What loyalty needs of an order_paid event; read defensively while the contract settles. */
export interface OrderPaid {
  orderId: string;
  memberId: string;
  cashAmount: number;
  currency: string | null;
}

const field = (data: unknown, name: string): unknown =>
  typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined;

function text(data: unknown, name: string): string {
  const v = field(data, name);
  if (typeof v !== 'string' || v.length === 0) throw new Error(`event data.${name} is missing`);
  return v;
}

/** A non-negative whole amount in minor units; anything else is a contract breach. */
function minorUnits(data: unknown, name: string): number {
  const v = field(data, name);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new Error(`event data.${name} must be a non-negative integer (minor units)`);
  return v;
}

export function readOrderPaid(data: unknown): OrderPaid {
  const currency = field(data, 'currency');
  return {
    orderId: text(data, 'order_id'),
    memberId: text(data, 'user_id'),
    // Only cash earns (points spent on the order do not); never fall back to total_amount,
    // which would count the points part too. A missing field throws: the event is retried,
    // then dead-lettered where it can be replayed once the publisher is fixed.
    cashAmount: minorUnits(data, 'cash_amount'),
    currency: typeof currency === 'string' ? currency : null,
  };
}

/** Base points for a cash amount, before the tier multiplier; rounded down. */
export const basePointsFor = (cashAmount: number, earnPointsPerUnit: number): number =>
  Math.floor((cashAmount * earnPointsPerUnit) / minorUnitsPerUnit);

export interface OrderEarningsOptions {
  earnPointsPerUnit: number;
  /** Days after delivery that the points stay pending (EARN_RETURN_WINDOW_DAYS). */
  returnWindowDays: number;
}

/**
 * Earning from orders, exactly once, and only for money kept.
 *
 * order_paid records the earning as *pending* (visible, not spendable); order_delivered sets when
 * it is released (delivery + return window); cancellations and refunds lower the cash it counts,
 * and a full one voids it. The order-earnings worker earns released rows through the batched
 * ledger, marking them earned in the ledger batch's own transaction (decision 006).
 *
 * The handler does not call the ledger: it records in `order_earnings` inside the consumer's
 * inbox transaction, keyed by order id, so the inbox and the record commit together (a
 * redelivery, or a second order_paid for the same order, finds the row and does nothing), and
 * the earn and its "earned" mark commit together. The earn's transaction id is derived from the
 * order id; the ledger refuses an id it already has, so two workers still earn once.
 * Calling the ledger from the handler instead would leave a window between the ledger's commit
 * and the inbox commit, hold a connection while waiting for a batch, and deadlock outright on
 * the embedded database, which runs one transaction at a time.
 */
export function orderEarningsSubscription(opts: OrderEarningsOptions, log: Logger): Subscription {
  return {
    group: orderEarningsGroup,
    topics: [orderPaid.topic],
    definitions: [orderPaid, orderDelivered, orderCancelled, orderRefunded],
    handler: async (event, q) => {
      if (event.type === orderPaid.type)
        return recordOrderPaid(q, readOrderPaid(event.data), opts.earnPointsPerUnit);
      if (event.type === orderDelivered.type)
        return recordDelivered(q, event.data, opts.returnWindowDays);
      if (event.type === orderCancelled.type || event.type === orderRefunded.type)
        return recordRefund(q, event.data, log);
    },
  };
}

/** Starts the return window: the points are released `returnWindowDays` after delivery. */
async function recordDelivered(q: Queryable, data: unknown, returnWindowDays: number) {
  const orderId = text(data, 'order_id');
  const deliveredAt = new Date(text(data, 'timestamp'));
  if (Number.isNaN(deliveredAt.getTime())) throw new Error('event data.timestamp is not a date');
  // Once: a redelivered or repeated order_delivered does not push the release back.
  await orderEarningsRepository.setReleaseAt(q, orderId, releaseAt(deliveredAt, returnWindowDays));
}

export async function recordOrderPaid(
  q: Queryable,
  o: OrderPaid,
  earnPointsPerUnit: number,
): Promise<void> {
  const base = basePointsFor(o.cashAmount, earnPointsPerUnit);
  if (base < 1) return; // no cash (all points, or free): nothing to earn, nothing to reverse
  // member_registered may not be consumed yet (another topic, no order between them).
  await accountsRepository.openMember(q, o.memberId);
  await orderEarningsRepository.recordPaid(q, {
    ...o,
    basePoints: base,
    transactionId: orderEarnId(o.orderId),
  });
}

/**
 * Raises the order's refunded total: to the event's running `total_refunded_cash` when it has
 * one (order_refunded; a duplicate event then changes nothing), else by its `refunded_cash`
 * (order_cancelled: what this cancellation gave back), capped at what was paid. Pending points
 * shrink with it (the worker earns only what the kept cash is worth) and a full refund voids
 * them at once, unless a worker's earn is in flight: then the worker reverses after the earn.
 * Earned points are reversed in proportion by the worker. Once per event, by the inbox.
 */
async function recordRefund(q: Queryable, data: unknown, log: Logger): Promise<void> {
  const orderId = text(data, 'order_id');
  const refunded = minorUnits(data, 'refunded_cash');
  const total =
    field(data, 'total_refunded_cash') === undefined
      ? null
      : minorUnits(data, 'total_refunded_cash');
  if (refunded === 0 && !total) return; // cancelled before payment: nothing was earned
  // Orders publishes an order's events keyed by the order, so order_paid precedes its refunds;
  // no row means the order earned nothing (e.g. paid in points only).
  if (!(await orderEarningsRepository.raiseRefunded(q, orderId, refunded, total))) {
    log.debug({ order_id: orderId }, 'refund for an order that earned no points');
    return;
  }
  await orderEarningsRepository.voidIfRefunded(q, orderId);
}
