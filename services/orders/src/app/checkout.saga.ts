import {
  orderCancelled,
  orderEventDataVersion,
  orderPaid,
  ServiceProblem,
  type CatalogClient,
  type LoyaltyClient,
  type PaymentsClient,
} from '@redemption/contracts';
import {
  ProblemError,
  type Db,
  type Logger,
  type Publisher,
  type Queryable,
} from '@redemption/kernel';
import { noSagaMetrics, type SagaMetrics } from './orders.metrics.ts';
import {
  nextStep,
  previousStep,
  retryDelayMs,
  stepKey,
  type CheckoutStep,
} from '../domain/checkout-steps.ts';
import {
  ordersRepository,
  type ItemRow,
  type OrderPatch,
  type OrderRow,
  type SagaLogEntry,
  type StatusChange,
  type StoredProblem,
} from '../store/orders.repository.ts';

export interface Clients {
  catalog: CatalogClient;
  loyalty: LoyaltyClient;
  payments: PaymentsClient;
}

export interface SagaOptions {
  /** How long a run may hold a saga without recording progress before another may take it. */
  leaseMs: number;
  /** Attempts of a step whose outcome stays unknown before the saga gives up and compensates. */
  attemptsMax: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Tests only: called after a step's result is recorded. `'abandon'` drops the run on the
   * floor with the lease still set, as `kill -9` would; another process resumes it later.
   */
  afterStep?: (step: CheckoutStep, orderId: string) => 'abandon' | void;
}

/** completed: paid; compensated: undone and cancelled; pending: left for the recovery worker. */
export type SagaOutcome = 'completed' | 'compensated' | 'pending' | 'lost' | 'abandoned';

export interface SagaDeps {
  db: Db;
  events: Publisher;
  log: Logger;
  clients: Clients;
  options: SagaOptions;
  /** Step failures and revenue for /metrics; none when absent. */
  metrics?: SagaMetrics;
}

/** How far a run got and, when the saga finished (completed or compensated), the order then. */
export interface SagaRun {
  outcome: SagaOutcome;
  order?: OrderRow;
}

export interface CheckoutSaga {
  /** Drives the saga of `orderId` (whose lease `owner` holds) as far as it can go now. */
  run(orderId: string, owner: string): Promise<SagaOutcome>;
  /**
   * The same for an order its creator holds as it was just stored: the saga starts from that
   * row and its lines instead of reading them, and answers the finished order too.
   */
  runHeld(order: OrderRow, items: readonly ItemRow[], owner: string): Promise<SagaRun>;
}

type StepAction = (o: OrderRow, items: readonly ItemRow[]) => Promise<OrderPatch>;
/** The order as a step's record left it (the run goes on from it), or where the run stopped. */
type Step = OrderRow | SagaOutcome;

/** How a saga ends: its status change and its event, in the transaction of its last record. */
interface SagaEnd {
  change: StatusChange;
  publish: (q: Queryable, o: OrderRow) => Promise<void>;
}

const errorTextMax = 500;
/** Retry after overload: one second (the Retry-After given), spread over another second. */
const overloadRetryBaseMs = 1_000;
const overloadRetryJitterMs = 1_000;
/**
 * 409s that say "not known yet", not "no": another request holds the same key right now
 * (kernel), or payments is still settling a charge with the provider (`payment-in-progress`,
 * up to `chargeProcessingMaxMs`, longer after a crash). Treating them as a refusal would cancel
 * an order whose card may well have been charged.
 */
const notKnownYetSlugs = new Set(['idempotency-key-in-flight', 'payment-in-progress']);

/**
 * A definite answer (4xx other than 408/429): the step did not happen and never will with this
 * key. Everything else (5xx, 503 dependency-unavailable, timeouts, a key still in flight, a
 * payment in progress) leaves the outcome unknown.
 */
export const isDefinite = (err: unknown): err is ServiceProblem =>
  err instanceof ServiceProblem && err.definite && !notKnownYetSlugs.has(err.slug);

/**
 * "Too many, retry shortly": a dependency's 429 (its admission control, a full ledger queue, a
 * busy pool) or a busy pool's 503. Transient, and it says nothing about whether the step
 * happened, so the saga retries soon with the same key and does not count it toward giving up.
 */
export const isOverload = (err: unknown): boolean =>
  (err instanceof ServiceProblem || err instanceof ProblemError) &&
  (err.status === 429 || (err.status === 503 && err.slug === 'database-busy'));

/** The delay before retrying after overload: about the Retry-After every 429 here carries. */
export const overloadRetryDelayMs = (): number =>
  overloadRetryBaseMs + Math.floor(Math.random() * overloadRetryJitterMs);

export const describeError = (err: unknown): string => {
  const text =
    err instanceof ServiceProblem
      ? err.message
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
  return text.slice(0, errorTextMax);
};

/** The forward action of each step; each call carries the step's deterministic key. */
export function forwardActions(c: Clients): Record<CheckoutStep, StepAction> {
  return {
    reserve: async (o, items) => {
      const lines = items.map((i) => ({ product_id: i.product_id, quantity: i.quantity }));
      await c.catalog.reserve({ reservation_id: o.id, items: lines }, stepKey(o.id, 'reserve'));
      return {};
    },
    hold: async (o) => {
      const hold = await c.loyalty.hold(holdBody(o), stepKey(o.id, 'hold'));
      return { hold_id: hold.id };
    },
    charge: async (o) => {
      const payment = await c.payments.process(
        {
          order_id: o.id,
          member_id: o.user_id,
          amount: o.cash_amount,
          currency: o.currency,
          payment_method: 'card',
          token: o.payment_token ?? '',
        },
        stepKey(o.id, 'charge'),
      );
      // The card token has done its job; do not keep it.
      return { payment_id: payment.id, payment_token: null };
    },
    capture: async (o) => {
      const captured = await c.loyalty.capture(o.hold_id!, stepKey(o.id, 'capture'));
      return { points_transaction_id: captured.transaction_id };
    },
    commit: async (o) => {
      await c.catalog.commit(o.id, stepKey(o.id, 'commit'));
      return {};
    },
  };
}

const holdBody = (o: OrderRow) => ({
  member_id: o.user_id,
  points: o.points_used,
  reference: `order:${o.id}`,
});

/**
 * The compensation of each step. Each may run for a step whose outcome was unknown, so it first
 * learns what happened: replaying the step's own key returns the stored result (or performs it,
 * which is then undone at once). The charge is undone by voiding the order at payments, which
 * settles a charge still in flight by asking the provider, refunds what was taken, and refunds
 * any charge that lands later (so a cancelled order never keeps money; decision 011). A
 * definite refusal of an undo (already released, expired, nothing there) means nothing to undo.
 */
export function undoActions(c: Clients): Record<CheckoutStep, (o: OrderRow) => Promise<void>> {
  const reason = 'checkout failed';
  return {
    reserve: async (o) => void (await c.catalog.release(o.id, stepKey(o.id, 'reserve', true))),
    hold: async (o) => {
      const holdId = o.hold_id ?? (await c.loyalty.hold(holdBody(o), stepKey(o.id, 'hold'))).id;
      await c.loyalty.release(holdId, stepKey(o.id, 'hold', true));
    },
    charge: async (o) =>
      void (await c.payments.voidOrder({ order_id: o.id, reason }, stepKey(o.id, 'charge', true))),
    capture: async (o) => {
      const txId =
        o.points_transaction_id ??
        (await c.loyalty.capture(o.hold_id!, stepKey(o.id, 'capture'))).transaction_id;
      if (!txId) return;
      await c.loyalty.reverse(txId, { reason }, stepKey(o.id, 'capture', true));
    },
    commit: async (o) => void (await c.catalog.restock(o.id, stepKey(o.id, 'commit', true))),
  };
}

/** What the checkout answers when a step was refused: the dependency's problem, re-homed. */
export function problemOf(err: ServiceProblem): StoredProblem {
  const { type: _t, title, status: _s, detail, instance: _i, ...extensions } = err.problem;
  const passThrough = err.status === 402 || err.status === 409 || err.status === 422;
  return {
    // A product that vanished between pricing and reservation is the request's problem (422);
    // any other refusal (400/401/403) is ours, not the client's: a bad gateway.
    status: passThrough ? err.status : err.status === 404 ? 422 : 502,
    slug: passThrough || err.status === 404 ? err.slug : 'checkout-step-refused',
    title: passThrough ? title : 'Checkout could not complete',
    detail: detail ?? title,
    extensions,
  };
}

const gaveUpProblem = (step: CheckoutStep, attempts: number): StoredProblem => ({
  status: 503,
  slug: 'dependency-unavailable',
  title: 'Service Unavailable',
  detail: `The ${step} step stayed unanswered after ${attempts} attempts; the order was cancelled`,
  extensions: { step },
});

export function createCheckoutSaga(deps: SagaDeps): CheckoutSaga {
  const { db, options } = deps;
  const metrics = deps.metrics ?? noSagaMetrics;
  const forward = forwardActions(deps.clients);
  const undo = undoActions(deps.clients);

  /**
   * Records a step's result and the saga's new position, fenced by the lease: one statement
   * (the order's update with its saga_log line, see recordLeased), so no transaction of its
   * own. The last record of a saga also gives the lease back and writes the status change, in
   * one transaction with the saga's event (outbox). The recorded row; undefined when the saga
   * was taken over.
   */
  const record = (
    o: OrderRow,
    owner: string,
    patch: OrderPatch,
    entry: SagaLogEntry,
    end?: SagaEnd,
  ): Promise<OrderRow | undefined> => {
    const lease = end ? 'done' : { extendMs: options.leaseMs };
    const write = (q: Queryable) =>
      ordersRepository.recordLeased(q, o.id, owner, lease, patch, entry, end?.change);
    if (!end) return write(db);
    return db.tx(async (q) => {
      const row = await write(q);
      if (row) await end.publish(q, row);
      return row;
    });
  };

  /** Unknown outcome: note it and give the saga back, to be retried after a backoff. */
  async function postpone(o: OrderRow, owner: string, action: 'run' | 'undo', err: unknown) {
    const overload = isOverload(err);
    const attempts = overload ? o.saga_attempts : o.saga_attempts + 1;
    const detail = describeError(err);
    const delay = overload
      ? overloadRetryDelayMs()
      : retryDelayMs(attempts, options.retryBaseMs, options.retryMaxMs);
    if (action === 'undo' && attempts >= options.attemptsMax)
      deps.log.error(
        { order_id: o.id, step: o.saga_step, attempts, err: detail },
        'undo keeps failing',
      );
    const patch = { saga_attempts: attempts, saga_last_error: detail };
    const entry = { step: o.saga_step!, action, outcome: 'unknown' as const, detail };
    const lease = { retryInMs: delay };
    const kept = await ordersRepository.recordLeased(db, o.id, owner, lease, patch, entry);
    if (kept && action === 'run') metrics.stepFailed(o.saga_step!, 'unknown');
    return kept ? 'pending' : 'lost';
  }

  async function runStep(o: OrderRow, items: readonly ItemRow[], owner: string): Promise<Step> {
    const step = o.saga_step!;
    let patch: OrderPatch;
    try {
      patch = await forward[step](o, items);
    } catch (err) {
      if (isDefinite(err)) return failForward(o, owner, step, err);
      if (isOverload(err) || o.saga_attempts + 1 < options.attemptsMax)
        return postpone(o, owner, 'run', err);
      // Unknown for too long: undo this step too, since it may have happened.
      const failure = gaveUpProblem(step, o.saga_attempts + 1);
      const detail = describeError(err);
      const entry = { step, action: 'run' as const, outcome: 'failed' as const, detail };
      const to = { saga_state: 'compensating' as const, saga_step: step, saga_attempts: 0 };
      const row = await record(
        o,
        owner,
        { ...to, saga_last_error: detail, saga_failure: failure },
        entry,
      );
      if (row) metrics.stepFailed(step, 'gave_up');
      return row ?? 'lost';
    }
    const next = nextStep(step, needsOf(o));
    const position: OrderPatch = next
      ? { saga_step: next, saga_attempts: 0, saga_last_error: null }
      : { saga_step: null, saga_state: 'completed', status: 'processing', saga_attempts: 0 };
    const entry = { step, action: 'run' as const, outcome: 'ok' as const, detail: null };
    const row = await record(
      o,
      owner,
      { ...patch, ...position },
      entry,
      next ? undefined : paid(items),
    );
    if (!row) return 'lost';
    if (!next) metrics.paid(o.currency, o.total_amount);
    if (options.afterStep?.(step, o.id) === 'abandon') return 'abandoned';
    return row;
  }

  /** The step was refused: undo the steps before it, newest first, then cancel. */
  async function failForward(
    o: OrderRow,
    owner: string,
    step: CheckoutStep,
    err: ServiceProblem,
  ): Promise<Step> {
    const back = previousStep(step, needsOf(o));
    const failure = problemOf(err);
    const detail = describeError(err);
    const entry = { step, action: 'run' as const, outcome: 'failed' as const, detail };
    const patch: OrderPatch = back
      ? { saga_state: 'compensating', saga_step: back, saga_attempts: 0 }
      : { ...cancelledPatch(failure), saga_attempts: 0 };
    const row = await record(
      o,
      owner,
      { ...patch, saga_last_error: detail, saga_failure: failure },
      entry,
      back ? undefined : cancelled(failure.detail),
    );
    if (!row) return 'lost';
    metrics.stepFailed(step, 'refused');
    return row;
  }

  async function undoStep(o: OrderRow, owner: string): Promise<Step> {
    const step = o.saga_step!;
    let detail: string | null = null;
    try {
      await undo[step](o);
    } catch (err) {
      if (!isDefinite(err)) return postpone(o, owner, 'undo', err);
      detail = `nothing to undo: ${describeError(err)}`;
    }
    const back = previousStep(step, needsOf(o));
    const failure = o.saga_failure ?? gaveUpProblem(step, o.saga_attempts);
    const patch: OrderPatch = back
      ? { saga_step: back, saga_attempts: 0 }
      : { ...cancelledPatch(failure), saga_attempts: 0 };
    const entry = { step, action: 'undo' as const, outcome: 'ok' as const, detail };
    return (
      (await record(o, owner, patch, entry, back ? undefined : cancelled(failure.detail))) ?? 'lost'
    );
  }

  /** Paid: pending → processing, order_paid out. */
  const paid = (items: readonly ItemRow[]): SagaEnd => ({
    change: { from: 'pending', to: 'processing', reason: 'paid' },
    publish: async (q, o) =>
      void (await deps.events.publish(q, orderPaid, {
        subject: o.id,
        data: eventData('order_paid', o, items),
      })),
  });

  /** Undone: pending → cancelled, order_cancelled out. */
  const cancelled = (reason: string): SagaEnd => ({
    change: { from: 'pending', to: 'cancelled', reason },
    publish: async (q, o) =>
      void (await deps.events.publish(q, orderCancelled, {
        subject: o.id,
        data: { ...eventData('order_cancelled', o), refunded_cash: 0, reversed_points: 0, reason },
      })),
  });

  /**
   * This process's own database refused a step's bookkeeping (a full pool): give the saga back
   * for a retry in a second or two instead of keeping its lease until it runs out (leaseMs,
   * over a minute). When even that is refused, the lease stands and recovery takes over later.
   */
  async function giveBack(orderId: string, owner: string, err: unknown): Promise<SagaOutcome> {
    const patch = { saga_last_error: describeError(err) };
    const delay = overloadRetryDelayMs();
    const released = await db
      .tx((q) => ordersRepository.releaseLease(q, orderId, owner, delay, patch))
      .catch(() => false);
    if (!released) throw err;
    return 'pending';
  }

  /**
   * Runs steps from `o` until the saga stops. Each step goes on from the row its record
   * returned: that update was fenced by this run's lease and renewed it, so reading the order
   * again could only show the same row. `items` are read once when not given.
   */
  async function drive(
    o: OrderRow | undefined,
    items: readonly ItemRow[] | undefined,
    owner: string,
  ): Promise<SagaRun> {
    for (;;) {
      if (o?.saga_state === 'completed') return { outcome: 'completed', order: o };
      if (o?.saga_state === 'compensated') return { outcome: 'compensated', order: o };
      if (!o || o.saga_lease_owner !== owner) return { outcome: 'lost' };
      items ??= (await ordersRepository.items(db, [o.id])).get(o.id) ?? [];
      const r =
        o.saga_state === 'forward' ? await runStep(o, items, owner) : await undoStep(o, owner);
      if (typeof r === 'string') return { outcome: r };
      o = r;
    }
  }

  const guarded = async (orderId: string, owner: string, go: () => Promise<SagaRun>) => {
    try {
      return await go();
    } catch (err) {
      if (isOverload(err)) return { outcome: await giveBack(orderId, owner, err) };
      throw err;
    }
  };

  return {
    async run(orderId, owner) {
      const go = async () => drive(await ordersRepository.find(db, orderId), undefined, owner);
      return (await guarded(orderId, owner, go)).outcome;
    },
    runHeld: (order, items, owner) => guarded(order.id, owner, () => drive(order, items, owner)),
  };
}

const needsOf = (o: OrderRow) => ({ pointsUsed: o.points_used, cashAmount: o.cash_amount });

const cancelledPatch = (failure: StoredProblem): OrderPatch => ({
  status: 'cancelled',
  saga_state: 'compensated',
  saga_step: null,
  payment_token: null,
  cancel_reason: failure.detail,
});

/**
 * The data every order event carries (the seed's fields plus how the order was paid). Given the
 * order's lines (order_created, order_paid), it is data version 2: the lines and the shipping
 * country too (@redemption/contracts' `orderEventDataVersion`).
 */
export function eventData(eventType: string, o: OrderRow, items?: readonly ItemRow[]) {
  return {
    event_type: eventType,
    order_id: o.id,
    user_id: o.user_id,
    total_amount: o.total_amount,
    cash_amount: o.cash_amount,
    points_used: o.points_used,
    currency: o.currency,
    timestamp: new Date().toISOString(),
    ...(items && items.length > 0
      ? {
          data_version: orderEventDataVersion,
          items: items.map((i) => ({
            product_id: i.product_id,
            quantity: i.quantity,
            unit_price: i.unit_price,
          })),
          country: o.shipping_address.country,
        }
      : {}),
  };
}
