import { randomUUID } from 'node:crypto';
import { orderCancelled, orderRefunded } from '@redemption/contracts';
import {
  conflict,
  isPgError,
  newId,
  notFound,
  pgErrorCode,
  ProblemError,
  unprocessable,
  type Db,
  type Logger,
  type Principal,
  type Publisher,
  type Queryable,
} from '@redemption/kernel';
import { canTransition, paidStatuses, splitRefund } from '../domain/order.ts';
import { ordersRepository, type OrderRow } from '../store/orders.repository.ts';
import {
  describeError,
  eventData,
  isDefinite,
  problemOf,
  type CheckoutSaga,
  type Clients,
} from './checkout.saga.ts';
import { unavailable, visibleOrder, type OrderWithItems } from './order.service.ts';

export interface RefundsDeps {
  db: Db;
  events: Publisher;
  log: Logger;
  clients: Clients;
  saga: CheckoutSaga;
  leaseMs: number;
}

interface RefundRow {
  id: string;
  order_id: string;
  cash_amount: number;
  points: number;
  full_refund: boolean;
  cancels_order: boolean;
  state: 'pending' | 'completed' | 'failed';
  last_error: string | null;
}

const refundKey = (orderId: string, refundId: string, part: string): string =>
  `order:${orderId}:refund:${refundId}:${part}`;

const refundInProgress = () =>
  conflict('refund-in-progress', 'Another refund of this order is still being processed');

/** Who runs a refund, and for how long nobody else may (see migration 0002_refund_lease). */
interface RefundLease {
  owner: string;
  leaseMs: number;
}

/**
 * Takes the lease of a pending refund nobody runs (or whose runner died: its lease ran out).
 * False: another request is running it right now.
 */
async function takeRefundLease(q: Queryable, id: string, lease: RefundLease): Promise<boolean> {
  const res = await q.query(
    `UPDATE orders.refunds SET lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond'
     WHERE id = $1 AND state = 'pending' AND (lease_until IS NULL OR lease_until < now())`,
    [id, lease.owner, lease.leaseMs],
  );
  return res.rowCount === 1;
}

/**
 * Opens (or finds again, for a retry) the refund row, deciding its amounts under a row lock,
 * and takes its lease: one request runs a refund at a time; a concurrent one gets 409.
 */
async function openRefund(
  q: Queryable,
  orderId: string,
  requestKey: string,
  amount: number | undefined,
  cancels: boolean,
  lease: RefundLease,
): Promise<{ order: OrderRow; refund: RefundRow }> {
  const order = await ordersRepository.find(q, orderId, true);
  if (!order) throw notFound('order');
  const { rows } = await q.query<RefundRow>('SELECT * FROM orders.refunds WHERE request_key = $1', [
    requestKey,
  ]);
  if (rows[0]) {
    if (rows[0].state === 'pending' && !(await takeRefundLease(q, rows[0].id, lease)))
      throw refundInProgress();
    return { order, refund: rows[0] };
  }
  const paid = cancels ? order.status === 'processing' : paidStatuses.includes(order.status);
  if (!paid)
    throw conflict(
      'order-not-paid',
      `An order that is ${order.status} has nothing paid to refund`,
      { current_status: order.status },
    );
  const split = splitRefund(
    {
      cashAmount: order.cash_amount,
      pointsUsed: order.points_used,
      refundedCash: order.refunded_cash,
      reversedPoints: order.reversed_points,
    },
    cancels ? undefined : amount,
  );
  if ('problem' in split) {
    if (split.problem === 'nothing-to-refund')
      throw conflict('nothing-to-refund', 'Everything paid for this order was already refunded');
    throw unprocessable(
      'refund-exceeds-remaining',
      `At most ${split.remaining} minor units are left to refund`,
      {
        remaining: split.remaining,
        errors: [{ field: 'body.amount', message: 'exceeds what is left' }],
      },
    );
  }
  const refund: RefundRow = {
    id: newId(),
    order_id: orderId,
    cash_amount: split.cash,
    points: split.points,
    full_refund: split.full,
    cancels_order: cancels,
    state: 'pending',
    last_error: null,
  };
  try {
    await q.query(
      `INSERT INTO orders.refunds (id, order_id, request_key, cash_amount, points, full_refund, cancels_order,
         lease_owner, lease_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9 * interval '1 millisecond')`,
      [
        refund.id,
        orderId,
        requestKey,
        refund.cash_amount,
        refund.points,
        refund.full_refund,
        cancels,
        lease.owner,
        lease.leaseMs,
      ],
    );
  } catch (err) {
    if (isPgError(err, pgErrorCode.uniqueViolation)) throw refundInProgress();
    throw err;
  }
  return { order, refund };
}

/**
 * The refund's calls, each with a key derived from the refund id: money back, then the points
 * in proportion, then (when everything is back) the stock. A retry of an unfinished refund sends
 * the same keys, so no part applies twice.
 */
async function executeRefund(
  c: Clients,
  o: OrderRow,
  r: RefundRow,
  log: Logger,
): Promise<{ points: number; note: string | null }> {
  const reason = r.cancels_order ? 'order cancelled' : 'order refunded';
  if (r.cash_amount > 0)
    await c.payments.refund(
      { payment_id: o.payment_id!, amount: r.cash_amount, reason },
      refundKey(o.id, r.id, 'cash'),
    );
  const failures: string[] = [];
  // Money went back: the rest is our own bookkeeping against ids we hold. A refusal there is
  // logged and recorded, not allowed to undo or hide the refund the member already has.
  const bookkeeping = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      if (!isDefinite(err)) throw err;
      failures.push(`${what}: ${describeError(err)}`);
      log.error(
        { order_id: o.id, refund_id: r.id, err: describeError(err) },
        `refund ${what} refused`,
      );
    }
  };
  let points = 0;
  if (r.points > 0 && o.points_transaction_id)
    await bookkeeping('points', async () => {
      const key = refundKey(o.id, r.id, 'points');
      await c.loyalty.reverse(o.points_transaction_id!, { points: r.points, reason }, key);
      points = r.points;
    });
  if (r.full_refund)
    await bookkeeping('restock', () => c.catalog.restock(o.id, `order:${o.id}:restock`));
  return { points, note: failures.length ? failures.join('; ') : null };
}

export function createRefunds(deps: RefundsDeps) {
  const { db } = deps;

  /**
   * Books a finished refund: the order's totals, the refund row, and the event (one tx). Only
   * while this request still holds the refund's lease: if it ran out and another request took
   * the refund over, that one books it (the calls had the same keys, so nothing applied twice).
   */
  async function settle(
    r: RefundRow,
    applied: { points: number; note: string | null },
    owner: string,
  ) {
    await db.tx(async (q) => {
      const o = (await ordersRepository.find(q, r.order_id, true))!;
      const booked = await q.query(
        `UPDATE orders.refunds SET state = 'completed', points = $2, last_error = $3, completed_at = now(),
           lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND state = 'pending' AND lease_owner = $4`,
        [r.id, applied.points, applied.note, owner],
      );
      if (booked.rowCount !== 1) return;
      const refundedCash = o.refunded_cash + r.cash_amount;
      const reversedPoints = o.reversed_points + applied.points;
      const base = eventData(r.cancels_order ? 'order_cancelled' : 'order_refunded', o);
      if (r.cancels_order) {
        const reason = 'cancelled after payment';
        await ordersRepository.patch(q, o.id, {
          refunded_cash: refundedCash,
          reversed_points: reversedPoints,
          status: 'cancelled',
          cancel_reason: reason,
        });
        await ordersRepository.history(q, o.id, o.status, 'cancelled', reason, null);
        await deps.events.publish(q, orderCancelled, {
          subject: o.id,
          data: { ...base, refunded_cash: r.cash_amount, reversed_points: applied.points, reason },
        });
        return;
      }
      // All the cash back ends the order (terminal `refunded`): nothing unpaid gets shipped.
      const ends = r.full_refund && canTransition(o.status, 'refunded');
      await ordersRepository.patch(q, o.id, {
        refunded_cash: refundedCash,
        reversed_points: reversedPoints,
        ...(ends ? { status: 'refunded' as const } : {}),
      });
      if (ends)
        await ordersRepository.history(q, o.id, o.status, 'refunded', 'refunded in full', null);
      await deps.events.publish(q, orderRefunded, {
        subject: o.id,
        data: {
          ...base,
          refunded_cash: r.cash_amount,
          reversed_points: applied.points,
          total_refunded_cash: refundedCash,
        },
      });
    });
  }

  /** A cash refund (all that is left by default) with the points in proportion; see splitRefund. */
  async function refund(
    orderId: string,
    amount: number | undefined,
    requestKey: string,
    cancels = false,
  ) {
    const lease = { owner: randomUUID(), leaseMs: deps.leaseMs };
    const opened = await db.tx((q) => openRefund(q, orderId, requestKey, amount, cancels, lease));
    const r = opened.refund;
    if (r.state === 'completed')
      return { refund: r, ...(await visibleOrder(db, orderId, systemPrincipal)) };
    if (r.state === 'failed') throw refusedRefund(r);
    let applied;
    try {
      applied = await executeRefund(deps.clients, opened.order, r, deps.log);
    } catch (err) {
      if (!isDefinite(err)) {
        // Unknown outcome: give the refund back at once, so the client's retry runs it again.
        await db.query(
          `UPDATE orders.refunds SET lease_owner = NULL, lease_until = NULL
           WHERE id = $1 AND state = 'pending' AND lease_owner = $2`,
          [r.id, lease.owner],
        );
        throw unavailable('payments', err);
      }
      // The money could not go back (e.g. the payment is already refunded at the provider).
      await db.query(
        `UPDATE orders.refunds SET state = 'failed', last_error = $2, lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND state = 'pending' AND lease_owner = $3`,
        [r.id, describeError(err), lease.owner],
      );
      const p = problemOf(err);
      throw new ProblemError(p.status, p.slug, p.title, p.detail, {
        ...p.extensions,
        order_id: orderId,
      });
    }
    await settle(r, applied, lease.owner);
    const done = (await db.query<RefundRow>('SELECT * FROM orders.refunds WHERE id = $1', [r.id]))
      .rows[0]!;
    return { refund: done, ...(await visibleOrder(db, orderId, systemPrincipal)) };
  }

  /**
   * Cancel by the owner or an admin. Pending: the checkout is undone (compensated) and the
   * order cancelled. Processing (paid): full refund, points reversed, stock back, cancelled.
   */
  async function cancel(orderId: string, p: Principal): Promise<OrderWithItems> {
    const { order } = await visibleOrder(db, orderId, p);
    if (order.status === 'processing') {
      await refund(orderId, undefined, `${orderId}:cancel`, true);
      return visibleOrder(db, orderId, p);
    }
    if (order.status !== 'pending')
      throw conflict(
        'illegal-transition',
        `An order that is ${order.status} can no longer be cancelled`,
        { current_status: order.status, requested_status: 'cancelled' },
      );
    const owner = randomUUID();
    const taken = await ordersRepository.takeLease(db, orderId, owner, deps.leaseMs);
    if (!taken)
      throw conflict(
        'checkout-in-progress',
        'The checkout of this order is running; retry in a moment',
        { current_status: order.status },
      );
    if (taken.saga_state === 'forward') {
      // The current step may have happened in a run that died: undo it too (undo is safe
      // either way), then everything before it.
      await ordersRepository.patchLeased(db, orderId, owner, deps.leaseMs, {
        saga_state: 'compensating',
        saga_attempts: 0,
        saga_failure: {
          status: 409,
          slug: 'order-cancelled',
          title: 'Conflict',
          detail: 'cancelled at the request of the member or an admin',
          extensions: {},
        },
      });
    }
    await deps.saga.run(orderId, owner);
    return visibleOrder(db, orderId, p);
  }

  return { refund, cancel };
}

export type Refunds = ReturnType<typeof createRefunds>;

const systemPrincipal: Principal = { id: 'orders', role: 'service' };

const refusedRefund = (r: RefundRow): ProblemError =>
  new ProblemError(
    422,
    'refund-failed',
    'Unprocessable request',
    r.last_error ?? 'The refund was refused',
    { order_id: r.order_id, refund_id: r.id },
  );
