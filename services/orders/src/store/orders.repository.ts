import type { Db, Queryable } from '@redemption/kernel';
import type { CheckoutStep, SagaState } from '../domain/checkout-steps.ts';
import type { OrderStatus, PricedLine, Pricing } from '../domain/order.ts';

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postal_code: string;
  country: string;
}

/** A stored problem: what a failed checkout answers with. */
export interface StoredProblem {
  status: number;
  slug: string;
  title: string;
  detail: string;
  extensions: Record<string, unknown>;
}

export interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  currency: string;
  total_amount: number;
  points_used: number;
  points_value: number;
  cash_amount: number;
  refunded_cash: number;
  reversed_points: number;
  shipping_address: ShippingAddress;
  payment_token: string | null;
  payment_id: string | null;
  hold_id: string | null;
  points_transaction_id: string | null;
  cancel_reason: string | null;
  saga_state: SagaState;
  saga_step: CheckoutStep | null;
  saga_attempts: number;
  saga_next_attempt_at: Date;
  saga_lease_owner: string | null;
  saga_lease_until: Date | null;
  saga_last_error: string | null;
  saga_failure: StoredProblem | null;
  refund_requested_at: Date | null;
  refund_request_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ItemRow {
  product_id: string;
  product_name: string;
  unit_price: number;
  quantity: number;
}

export interface NewOrder {
  id: string;
  userId: string;
  pricing: Pricing;
  lines: readonly PricedLine[];
  shippingAddress: ShippingAddress;
  paymentToken: string | null;
  firstStep: CheckoutStep;
  leaseOwner: string;
  leaseMs: number;
}

/** Columns a saga step may set, beside its own bookkeeping. */
export type OrderPatch = Partial<
  Pick<
    OrderRow,
    | 'status'
    | 'payment_token'
    | 'payment_id'
    | 'hold_id'
    | 'points_transaction_id'
    | 'cancel_reason'
    | 'refunded_cash'
    | 'reversed_points'
    | 'saga_state'
    | 'saga_step'
    | 'saga_attempts'
    | 'saga_last_error'
    | 'saga_failure'
  >
>;

const patchable = new Set([
  'status',
  'payment_token',
  'payment_id',
  'hold_id',
  'points_transaction_id',
  'cancel_reason',
  'refunded_cash',
  'reversed_points',
  'saga_state',
  'saga_step',
  'saga_attempts',
  'saga_last_error',
  'saga_failure',
]);

/** `SET a = $2, b = $3` from a patch; column names come from a fixed allow-list. */
function setClause(patch: OrderPatch, firstParam: number): { sql: string; params: unknown[] } {
  const entries = Object.entries(patch).filter(([k, v]) => patchable.has(k) && v !== undefined);
  const sql = entries.map(([k], i) => `${k} = $${firstParam + i}`).join(', ');
  const params = entries.map(([k, v]) => (k === 'saga_failure' && v ? JSON.stringify(v) : v));
  return { sql, params };
}

/** One line of the saga's log: what a run of a step (or its undo) came to. */
export interface SagaLogEntry {
  step: string;
  action: 'run' | 'undo';
  outcome: 'ok' | 'failed' | 'unknown';
  detail: string | null;
}

/** A status change for the order's status history. */
export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
}

/**
 * What becomes of the saga's lease with a recorded step: kept for another `extendMs` (the run
 * goes on), given back with the next attempt not before `retryInMs` (unknown outcome), or given
 * back for good (`'done'`: the saga finished).
 */
export type LeaseAfter = { extendMs: number } | { retryInMs: number } | 'done';

const ms = "* interval '1 millisecond'";

/** The SET fragment for the lease; `param` adds a parameter and names it. */
function leaseSet(after: LeaseAfter, param: (v: unknown) => string): string {
  if (after === 'done') return 'saga_lease_owner = NULL, saga_lease_until = NULL';
  if ('extendMs' in after) return `saga_lease_until = now() + ${param(after.extendMs)} ${ms}`;
  return `saga_lease_owner = NULL, saga_lease_until = NULL,
    saga_next_attempt_at = now() + ${param(after.retryInMs)} ${ms}`;
}

export const ordersRepository = {
  /**
   * The order, its lines and (given `createdBy`) its first status-history entry in one
   * statement; the stored row, as the saga's creator then holds it (no read back).
   */
  async insert(q: Queryable, o: NewOrder, createdBy?: { actorId: string }): Promise<OrderRow> {
    const p = o.pricing;
    const history = createdBy
      ? `, h AS (INSERT INTO orders.order_status_history (order_id, from_status, to_status, reason, actor_id)
           SELECT id, NULL, 'pending', 'created', $18::text FROM o)`
      : '';
    const { rows } = await q.query<OrderRow>(
      `WITH o AS (
         INSERT INTO orders.orders (id, user_id, currency, total_amount, points_used, points_value,
           cash_amount, shipping_address, payment_token, saga_step, saga_lease_owner, saga_lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + $12 * interval '1 millisecond')
         RETURNING *),
       i AS (INSERT INTO orders.order_items (order_id, line_no, product_id, product_name, unit_price, quantity)
         SELECT o.id, l.line_no, l.product_id, l.product_name, l.unit_price, l.quantity
         FROM o, unnest($13::smallint[], $14::uuid[], $15::text[], $16::int[], $17::int[])
           AS l(line_no, product_id, product_name, unit_price, quantity))${history}
       SELECT * FROM o`,
      [
        o.id,
        o.userId,
        p.currency,
        p.totalAmount,
        p.pointsUsed,
        p.pointsValue,
        p.cashAmount,
        JSON.stringify(o.shippingAddress),
        o.paymentToken,
        o.firstStep,
        o.leaseOwner,
        o.leaseMs,
        o.lines.map((_, i) => i),
        o.lines.map((l) => l.productId),
        o.lines.map((l) => l.productName),
        o.lines.map((l) => l.unitPrice),
        o.lines.map((l) => l.quantity),
        ...(createdBy ? [createdBy.actorId] : []),
      ],
    );
    return rows[0]!;
  },

  async find(q: Queryable, id: string, lock = false): Promise<OrderRow | undefined> {
    const { rows } = await q.query<OrderRow>(
      `SELECT * FROM orders.orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  },

  async items(q: Queryable, orderIds: readonly string[]): Promise<Map<string, ItemRow[]>> {
    const { rows } = await q.query<ItemRow & { order_id: string }>(
      `SELECT order_id, product_id, product_name, unit_price, quantity FROM orders.order_items
       WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no`,
      [orderIds],
    );
    const byOrder = new Map<string, ItemRow[]>();
    for (const { order_id, ...item } of rows) {
      const list = byOrder.get(order_id) ?? [];
      list.push(item);
      byOrder.set(order_id, list);
    }
    return byOrder;
  },

  /** Newest first; `before` is the last id of the previous page (ids are time-ordered UUIDv7). */
  async byUser(q: Queryable, userId: string, limit: number, before?: string): Promise<OrderRow[]> {
    const { rows } = await q.query<OrderRow>(
      `SELECT * FROM orders.orders WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
       ORDER BY id DESC LIMIT $3`,
      [userId, before ?? null, limit],
    );
    return rows;
  },

  /** Notes the member's refund request once (a repeat keeps the first); the updated row. */
  async requestRefund(q: Queryable, id: string, reason: string): Promise<OrderRow | undefined> {
    const { rows } = await q.query<OrderRow>(
      `UPDATE orders.orders SET refund_requested_at = coalesce(refund_requested_at, now()),
         refund_request_reason = coalesce(refund_request_reason, $2), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, reason],
    );
    return rows[0];
  },

  /** Every member's orders, newest first, optionally one status or one member (admin list). */
  async list(
    q: Queryable,
    filter: {
      status?: string | undefined;
      userId?: string | undefined;
      refundRequested?: boolean | undefined;
    },
    limit: number,
    before?: string,
  ): Promise<OrderRow[]> {
    const { rows } = await q.query<OrderRow>(
      `SELECT * FROM orders.orders
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR user_id = $2::uuid)
         AND ($3::uuid IS NULL OR id < $3::uuid)
         AND (NOT $5 OR refund_requested_at IS NOT NULL)
       ORDER BY id DESC LIMIT $4`,
      [
        filter.status ?? null,
        filter.userId ?? null,
        before ?? null,
        limit,
        filter.refundRequested ?? false,
      ],
    );
    return rows;
  },

  /** Applies `patch` only while `leaseOwner` still holds the saga; false when it was taken over. */
  async patchLeased(
    q: Queryable,
    id: string,
    leaseOwner: string,
    leaseMs: number,
    patch: OrderPatch,
  ): Promise<boolean> {
    const set = setClause(patch, 4);
    const res = await q.query(
      `UPDATE orders.orders SET ${set.sql ? `${set.sql}, ` : ''}updated_at = now(),
         saga_lease_until = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND saga_lease_owner = $2`,
      [id, leaseOwner, leaseMs, ...set.params],
    );
    return res.rowCount === 1;
  },

  async patch(q: Queryable, id: string, patch: OrderPatch): Promise<void> {
    const set = setClause(patch, 2);
    await q.query(`UPDATE orders.orders SET ${set.sql}, updated_at = now() WHERE id = $1`, [
      id,
      ...set.params,
    ]);
  },

  /** Gives the saga back after an unknown outcome: no lease, next attempt not before `delayMs`. */
  async releaseLease(
    q: Queryable,
    id: string,
    leaseOwner: string,
    delayMs: number,
    patch: OrderPatch,
  ): Promise<boolean> {
    const set = setClause(patch, 4);
    const res = await q.query(
      `UPDATE orders.orders SET ${set.sql ? `${set.sql}, ` : ''}updated_at = now(),
         saga_lease_owner = NULL, saga_lease_until = NULL,
         saga_next_attempt_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND saga_lease_owner = $2`,
      [id, leaseOwner, delayMs, ...set.params],
    );
    return res.rowCount === 1;
  },

  /**
   * Takes the lease of one unfinished saga that nobody holds (or whose holder died: the lease ran
   * out). `due` also requires its backoff to have passed (the recovery worker); a cancel does not.
   */
  async takeLease(
    q: Queryable,
    id: string,
    leaseOwner: string,
    leaseMs: number,
  ): Promise<OrderRow | undefined> {
    const { rows } = await q.query<OrderRow>(
      `UPDATE orders.orders SET saga_lease_owner = $2,
         saga_lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND saga_state IN ('forward', 'compensating')
         AND (saga_lease_until IS NULL OR saga_lease_until < now())
       RETURNING *`,
      [id, leaseOwner, leaseMs],
    );
    return rows[0];
  },

  /** The recovery worker's claim: due sagas nobody holds, skipping rows another process locks. */
  async claimDue(
    q: Queryable,
    leaseOwner: string,
    leaseMs: number,
    max: number,
  ): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `UPDATE orders.orders SET saga_lease_owner = $1,
         saga_lease_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM orders.orders
         WHERE saga_state IN ('forward', 'compensating') AND saga_next_attempt_at <= now()
           AND (saga_lease_until IS NULL OR saga_lease_until < now())
         ORDER BY saga_next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [leaseOwner, leaseMs, max],
    );
    return rows.map((r) => r.id);
  },

  /** Orders per status, the whole table (for /metrics): `timeoutMs` bounds the scan. */
  countByStatus(db: Db, timeoutMs: number): Promise<Map<string, number>> {
    return db.tx(async (q) => {
      await q.query(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
      const { rows } = await q.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM orders.orders GROUP BY status',
      );
      return new Map(rows.map((r) => [r.status, r.n]));
    });
  },

  /**
   * A saga step's bookkeeping as one statement: `patch` and the lease change apply only while
   * `leaseOwner` still holds the saga, and the saga_log entry (and the status change, if any)
   * are written only then, by the same statement, so they commit together or not at all
   * without a transaction of their own. The updated row, or undefined when the saga was taken
   * over.
   */
  async recordLeased(
    q: Queryable,
    id: string,
    leaseOwner: string,
    after: LeaseAfter,
    patch: OrderPatch,
    entry: SagaLogEntry,
    change?: StatusChange,
  ): Promise<OrderRow | undefined> {
    const params: unknown[] = [id, leaseOwner];
    const param = (v: unknown): string => `$${params.push(v)}`;
    const lease = leaseSet(after, param);
    const set = setClause(patch, params.length + 1);
    params.push(...set.params);
    const log = `INSERT INTO orders.saga_log (order_id, step, action, outcome, detail)
      SELECT id, ${param(entry.step)}::text, ${param(entry.action)}::text,
        ${param(entry.outcome)}::text, ${param(entry.detail)}::text FROM o`;
    const history = change
      ? `, h AS (INSERT INTO orders.order_status_history (order_id, from_status, to_status, reason)
          SELECT id, ${param(change.from)}::text, ${param(change.to)}::text,
            ${param(change.reason)}::text FROM o)`
      : '';
    const { rows } = await q.query<OrderRow>(
      `WITH o AS (
         UPDATE orders.orders SET ${set.sql ? `${set.sql}, ` : ''}updated_at = now(), ${lease}
         WHERE id = $1 AND saga_lease_owner = $2 RETURNING *),
       l AS (${log})${history}
       SELECT * FROM o`,
      params,
    );
    return rows[0];
  },

  async history(
    q: Queryable,
    orderId: string,
    from: OrderStatus | null,
    to: OrderStatus,
    reason: string | null,
    actorId: string | null,
  ): Promise<void> {
    await q.query(
      `INSERT INTO orders.order_status_history (order_id, from_status, to_status, reason, actor_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [orderId, from, to, reason, actorId],
    );
  },
};
