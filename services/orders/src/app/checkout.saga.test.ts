import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogClient, loyaltyClient, paymentsClient } from '@redemption/contracts';
import {
  createDb,
  createPublisher,
  kernelMigrations,
  migrate,
  newId,
  type Db,
} from '@redemption/kernel';
import { firstStep } from '../domain/checkout-steps.ts';
import { priceOrder, type Pricing } from '../domain/order.ts';
import { ordersRepository } from '../store/orders.repository.ts';
import { ordersMigrations } from '../store/orders.migrations.ts';
import { createFakeServices, type FakeServices } from '../testing/fake-services.ts';
import { createCheckoutSaga, type SagaOptions } from './checkout.saga.ts';
import {
  createSagaMetrics,
  registerOrderStatusMetrics,
  type SagaMetrics,
} from './orders.metrics.ts';
import { recoveryRound, type Recoverable } from './recovery.worker.ts';

const log = pino({ level: 'silent' });
const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Lisbon',
  postal_code: '1000',
  country: 'PT',
};
const fastRetries: SagaOptions = { leaseMs: 60_000, attemptsMax: 3, retryBaseMs: 0, retryMaxMs: 0 };

let db: Db;
beforeAll(async () => {
  db = await createDb({ dataDir: 'memory://', poolMax: 1 });
  await migrate(db, [kernelMigrations, ordersMigrations]);
});
afterAll(() => db?.close());

/** A member with `points`, one product, and a pending order for `quantity` of it. */
async function setup(o: { points?: number; use?: number; token?: string; stock?: number } = {}) {
  const fakes = createFakeServices();
  const member = newId();
  fakes.balances.set(member, o.points ?? 1_000);
  const p = fakes.addProduct({ price: 2_500, stock: o.stock ?? 10 });
  const lines = [
    { productId: p.id, productName: p.name, unitPrice: p.price, currency: 'USD', quantity: 2 },
  ];
  const pricing = priceOrder(lines, o.use ?? 1_000, 1) as Pricing;
  const orderId = newId();
  const owner = randomUUID();
  const created = await db.tx((q) =>
    ordersRepository.insert(q, {
      id: orderId,
      userId: member,
      pricing,
      lines,
      shippingAddress: address,
      paymentToken: o.token ?? 'tok_visa',
      firstStep: firstStep(pricing),
      leaseOwner: owner,
      leaseMs: 60_000,
    }),
  );
  const sagaWith = (opts: Partial<SagaOptions> = {}, metrics?: SagaMetrics) =>
    createCheckoutSaga({
      db,
      log,
      events: createPublisher({ source: '/test', partitions: () => 1 }),
      clients: {
        catalog: catalogClient(fakes.transports.catalog),
        loyalty: loyaltyClient(fakes.transports.loyalty),
        payments: paymentsClient(fakes.transports.payments),
      },
      options: { ...fastRetries, ...opts },
      ...(metrics ? { metrics } : {}),
    });
  const items = lines.map((l) => ({
    product_id: l.productId,
    product_name: l.productName,
    unit_price: l.unitPrice,
    quantity: l.quantity,
  }));
  return {
    fakes,
    member,
    orderId,
    owner,
    created,
    items,
    sagaWith,
    run: (opts?: Partial<SagaOptions>) => sagaWith(opts).run(orderId, owner),
    order: async () => (await ordersRepository.find(db, orderId))!,
    events: async () =>
      (
        await db.query<{ t: string; data: Record<string, unknown> }>(
          "SELECT event->>'type' AS t, event->'data' AS data FROM kernel.outbox WHERE key = $1 ORDER BY position",
          [orderId],
        )
      ).rows,
  };
}

/** The calls, without the product id / order id noise: `catalog POST reserve` etc. */
const steps = (f: FakeServices) =>
  f.calls.map((c) =>
    c
      .replace(/\/api\/(inventory\/reservations|loyalty|payments)/, '')
      .replace(/[0-9a-f-]{36}/g, ':id'),
  );

describe('checkout saga', () => {
  it('reserves, holds points, charges the cash, captures and commits, then marks the order paid', async () => {
    const s = await setup();
    expect(await s.run()).toBe('completed');
    expect(steps(s.fakes)).toEqual([
      'catalog POST ',
      'loyalty POST /holds',
      'payments POST /process',
      'loyalty POST /holds/:id/capture',
      'catalog POST /:id/commit',
    ]);
    const o = await s.order();
    expect(o).toMatchObject({
      status: 'processing',
      saga_state: 'completed',
      saga_step: null,
      cash_amount: 4_000,
      points_used: 1_000,
      payment_token: null,
      saga_lease_owner: null,
    });
    expect(o.points_transaction_id).toBeTruthy();
    expect(s.fakes.balances.get(s.member)).toBe(0);
    expect(s.fakes.payments.size).toBe(1);
    const paid = (await s.events()).find((e) => e.t === 'order_paid')!;
    expect(paid.data).toMatchObject({
      order_id: s.orderId,
      user_id: s.member,
      cash_amount: 4_000,
      currency: 'USD',
      points_used: 1_000,
      // Data version 2 (analytics): the lines and the shipping country.
      data_version: 2,
      items: [{ product_id: expect.any(String), quantity: 2, unit_price: 2_500 }],
      country: 'PT',
    });
  });

  it('skips the points steps without points and the card without cash', async () => {
    const cashOnly = await setup({ use: 0 });
    expect(await cashOnly.run()).toBe('completed');
    expect(steps(cashOnly.fakes)).toEqual([
      'catalog POST ',
      'payments POST /process',
      'catalog POST /:id/commit',
    ]);
    const pointsOnly = await setup({ use: 5_000, points: 5_000 });
    expect(await pointsOnly.run()).toBe('completed');
    expect(steps(pointsOnly.fakes).some((c) => c.includes('payments'))).toBe(false);
  });

  it('on a decline releases the hold, then the reservation (reverse order), and cancels with 402', async () => {
    const s = await setup({ token: 'tok_chargeDeclined' });
    expect(await s.run()).toBe('compensated');
    expect(steps(s.fakes)).toEqual([
      'catalog POST ',
      'loyalty POST /holds',
      'payments POST /process',
      'loyalty POST /holds/:id/release',
      'catalog POST /:id/release',
    ]);
    const o = await s.order();
    expect(o).toMatchObject({
      status: 'cancelled',
      saga_state: 'compensated',
      payment_token: null,
    });
    expect(o.saga_failure).toMatchObject({
      status: 402,
      slug: 'payment-declined',
      extensions: { decline_code: 'card_declined' },
    });
    expect(s.fakes.reservations.get(s.orderId)!.status).toBe('released');
    expect([...s.fakes.holds.values()][0]!.status).toBe('released');
    expect((await s.events()).map((e) => e.t)).toEqual(['order_cancelled']);
  });

  it('on insufficient points releases the reservation only; out of stock undoes nothing', async () => {
    const poor = await setup({ points: 10 });
    expect(await poor.run()).toBe('compensated');
    expect(steps(poor.fakes)).toEqual([
      'catalog POST ',
      'loyalty POST /holds',
      'catalog POST /:id/release',
    ]);
    expect((await poor.order()).saga_failure).toMatchObject({
      status: 422,
      slug: 'insufficient-points',
    });
    const none = await setup({ stock: 1 });
    expect(await none.run()).toBe('compensated');
    expect(steps(none.fakes)).toEqual(['catalog POST ']);
    expect((await none.order()).saga_failure).toMatchObject({ status: 409, slug: 'out-of-stock' });
  });

  it('leaves an unknown outcome for later, then retries the same step with the same key: one charge', async () => {
    const s = await setup();
    s.fakes.fault({ service: 'payments', match: /process$/, afterEffect: true });
    expect(await s.run()).toBe('pending');
    const pending = await s.order();
    expect(pending).toMatchObject({
      status: 'pending',
      saga_state: 'forward',
      saga_step: 'charge',
      saga_attempts: 1,
      saga_lease_owner: null,
    });
    expect(pending.saga_last_error).toContain('503');
    const owner = randomUUID();
    expect(await ordersRepository.takeLease(db, s.orderId, owner, 60_000)).toBeTruthy();
    expect(await s.sagaWith().run(s.orderId, owner)).toBe('completed');
    expect(s.fakes.payments.size).toBe(1);
    expect(steps(s.fakes).filter((c) => c.includes('process'))).toHaveLength(2);
  });

  it('takes "payment in progress" (409) as retry later, never as a refusal: one charge, completed', async () => {
    const s = await setup();
    const inProgress = {
      status: 409,
      body: {
        type: '/problems/payment-in-progress',
        title: 'Conflict',
        status: 409,
        detail: 'A payment for this order is being processed; retry shortly',
      },
    };
    s.fakes.fault({ service: 'payments', match: /process$/, answer: inProgress, times: 2 });
    for (let i = 0; i < 2; i++) {
      const owner = i === 0 ? s.owner : randomUUID();
      if (i > 0) await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
      expect(await s.sagaWith({ attemptsMax: 5 }).run(s.orderId, owner)).toBe('pending');
      expect(await s.order()).toMatchObject({
        status: 'pending',
        saga_state: 'forward',
        saga_step: 'charge',
        saga_attempts: i + 1,
      });
    }
    const owner = randomUUID();
    await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
    expect(await s.sagaWith({ attemptsMax: 5 }).run(s.orderId, owner)).toBe('completed');
    expect(await s.order()).toMatchObject({ status: 'processing' });
    expect(s.fakes.payments.size).toBe(1);
  });

  it('undoes the charge by voiding the order, retrying while payments says "in progress"', async () => {
    const s = await setup();
    s.fakes.fault({
      service: 'loyalty',
      match: /capture$/,
      answer: {
        status: 409,
        body: { type: '/problems/hold-expired', title: 'Conflict', status: 409 },
      },
    });
    s.fakes.fault({
      service: 'payments',
      match: /void$/,
      answer: {
        status: 409,
        body: { type: '/problems/payment-in-progress', title: 'Conflict', status: 409 },
      },
    });
    expect(await s.run()).toBe('pending');
    expect(await s.order()).toMatchObject({ saga_state: 'compensating', saga_step: 'charge' });
    const owner = randomUUID();
    await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
    expect(await s.sagaWith().run(s.orderId, owner)).toBe('compensated');
    expect([...s.fakes.payments.values()][0]).toMatchObject({
      amount: 4_000,
      refunded_amount: 4_000,
    });
    expect(steps(s.fakes).filter((c) => c.includes('void'))).toHaveLength(2);
  });

  it('after attemptsMax unknown answers compensates, refunding a charge that did happen', async () => {
    const s = await setup();
    s.fakes.fault({ service: 'payments', match: /process$/, afterEffect: true, times: 3 });
    for (let i = 0; i < 3; i++) {
      const owner = i === 0 ? s.owner : randomUUID();
      if (i > 0) await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
      const outcome = await s.sagaWith().run(s.orderId, owner);
      expect(outcome).toBe(i < 2 ? 'pending' : 'compensated');
    }
    const o = await s.order();
    expect(o).toMatchObject({
      status: 'cancelled',
      saga_failure: { status: 503, slug: 'dependency-unavailable' },
    });
    const [payment] = [...s.fakes.payments.values()];
    expect(payment).toMatchObject({ amount: 4_000, refunded_amount: 4_000 });
    expect([...s.fakes.holds.values()][0]!.status).toBe('released');
    expect(s.fakes.reservations.get(s.orderId)!.status).toBe('released');
  });

  it('retries a step refused by overload (429) in a second or two, never counting it toward giving up', async () => {
    const s = await setup();
    const overloaded = {
      status: 429,
      body: { type: '/problems/overloaded', title: 'Too many requests', status: 429 },
    };
    // More overload answers than attemptsMax (3): none of them may cancel the order.
    const times = fastRetries.attemptsMax + 2;
    s.fakes.fault({ service: 'payments', match: /process$/, answer: overloaded, times });
    for (let i = 0; i < times; i++) {
      const owner = i === 0 ? s.owner : randomUUID();
      if (i > 0) await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
      expect(
        await s.sagaWith({ retryBaseMs: 60_000, retryMaxMs: 60_000 }).run(s.orderId, owner),
      ).toBe('pending');
      const { rows } = await db.query<{ attempts: number; in_ms: number }>(
        `SELECT saga_attempts AS attempts,
                extract(epoch FROM saga_next_attempt_at - now()) * 1000 AS in_ms
           FROM orders.orders WHERE id = $1`,
        [s.orderId],
      );
      // Not the minute-long backoff of an unknown outcome: about the Retry-After (1–2 s).
      expect(rows[0]!.attempts).toBe(0);
      expect(Number(rows[0]!.in_ms)).toBeGreaterThan(500);
      expect(Number(rows[0]!.in_ms)).toBeLessThan(2_500);
    }
    const owner = randomUUID();
    await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
    expect(await s.sagaWith().run(s.orderId, owner)).toBe('completed');
    expect(s.fakes.payments.size).toBe(1);
  });

  it('when capture is refused after the charge, refunds, releases and cancels', async () => {
    const s = await setup();
    s.fakes.fault({
      service: 'loyalty',
      match: /capture$/,
      answer: {
        status: 409,
        body: {
          type: '/problems/hold-expired',
          title: 'Conflict',
          status: 409,
          detail: 'The hold has expired',
        },
      },
    });
    expect(await s.run()).toBe('compensated');
    expect(steps(s.fakes).slice(4)).toEqual([
      'payments POST /void',
      'loyalty POST /holds/:id/release',
      'catalog POST /:id/release',
    ]);
    expect([...s.fakes.payments.values()][0]!.refunded_amount).toBe(4_000);
    expect(s.fakes.balances.get(s.member)).toBe(1_000);
  });

  it('retries an undo whose answer is unknown, and treats "already released" as done', async () => {
    const s = await setup({ token: 'tok_chargeDeclined' });
    s.fakes.fault({ service: 'loyalty', match: /release$/ });
    expect(await s.run()).toBe('pending');
    expect(await s.order()).toMatchObject({
      saga_state: 'compensating',
      saga_step: 'hold',
      status: 'pending',
    });
    const h = [...s.fakes.holds.values()][0]!;
    h.status = 'expired'; // the hold ran out meanwhile: its release answers 409
    const owner = randomUUID();
    await ordersRepository.takeLease(db, s.orderId, owner, 60_000);
    expect(await s.sagaWith().run(s.orderId, owner)).toBe('compensated');
    expect(await s.order()).toMatchObject({ status: 'cancelled' });
  });

  it('stops when another process took the saga over (lease fencing)', async () => {
    const s = await setup();
    await db.query('UPDATE orders.orders SET saga_lease_owner = $2 WHERE id = $1', [
      s.orderId,
      randomUUID(),
    ]);
    expect(await s.run()).toBe('lost');
    expect(await s.order()).toMatchObject({ saga_step: 'reserve', status: 'pending' });
  });

  it('a recovery round claims batch after batch while they come back full', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await setup()).orderId);
    // Due now, nobody driving them.
    await db.query(
      `UPDATE orders.orders SET saga_lease_owner = NULL, saga_lease_until = NULL,
         saga_next_attempt_at = now() WHERE id = ANY($1)`,
      [ids],
    );
    const ran: string[] = [];
    const finish: Recoverable = {
      run: async (id) => {
        ran.push(id);
        await db.query("UPDATE orders.orders SET saga_state = 'completed' WHERE id = $1", [id]);
        return 'completed';
      },
    };
    const round = recoveryRound(db, finish, log, { leaseMs: 60_000, batchMax: 2 });
    // Other tests' sagas may be due too: at least these five, each once, in one round.
    expect(await round()).toBeGreaterThanOrEqual(ids.length);
    for (const id of ids) expect(ran.filter((r) => r === id)).toHaveLength(1);
  });

  it('resumes a run abandoned mid-way (kill -9) once its lease has run out', async () => {
    const s = await setup();
    const killed = await s.run({
      leaseMs: 200,
      afterStep: (step) => (step === 'charge' ? 'abandon' : undefined),
    });
    expect(killed).toBe('abandoned');
    expect(await s.order()).toMatchObject({ saga_step: 'capture', status: 'pending' });
    const round = recoveryRound(db, s.sagaWith({ leaseMs: 200 }), log, {
      leaseMs: 200,
      batchMax: 10,
    });
    expect(await round()).toBe(0); // the lease still holds
    await new Promise((r) => setTimeout(r, 250));
    expect(await round()).toBe(1);
    expect(await s.order()).toMatchObject({ status: 'processing', saga_state: 'completed' });
    expect(s.fakes.payments.size).toBe(1);
    expect(steps(s.fakes).filter((c) => c.includes('process'))).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('counts step failures by step and outcome, revenue by currency, orders by status', async () => {
    const registry = new Registry();
    const metrics = createSagaMetrics(registry);
    registerOrderStatusMetrics(registry, db, log);
    const value = async (name: string, labels: Record<string, string>) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )?.value ?? 0;

    const paid = await setup();
    expect(await paid.sagaWith({}, metrics).run(paid.orderId, paid.owner)).toBe('completed');
    expect(await value('orders_revenue_minor_total', { currency: 'USD' })).toBe(5_000);
    const declined = await setup({ token: 'tok_chargeDeclined' });
    expect(await declined.sagaWith({}, metrics).run(declined.orderId, declined.owner)).toBe(
      'compensated',
    );
    const unknown = await setup();
    unknown.fakes.fault({ service: 'payments', match: /process$/, afterEffect: true, times: 3 });
    const saga = unknown.sagaWith({}, metrics);
    expect(await saga.run(unknown.orderId, unknown.owner)).toBe('pending');
    expect(
      await value('checkout_step_failures_total', { step: 'charge', outcome: 'refused' }),
    ).toBe(1);
    expect(
      await value('checkout_step_failures_total', { step: 'charge', outcome: 'unknown' }),
    ).toBe(1);
    expect(
      await value('checkout_step_failures_total', { step: 'reserve', outcome: 'refused' }),
    ).toBe(0);
    expect(await value('orders_revenue_minor_total', { currency: 'USD' })).toBe(5_000);

    // read from the table at scrape time: every order this file made, by status
    const { rows } = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM orders.orders GROUP BY status',
    );
    for (const r of rows) expect(await value('orders_by_status', { status: r.status })).toBe(r.n);
    expect(await value('orders_by_status', { status: 'cancelled' })).toBeGreaterThanOrEqual(1);
    expect(await value('orders_by_status', { status: 'shipped' })).toBe(0);
  });
});

/** The order's saga_log and status history, oldest first, without ids and times. */
async function bookkeeping(orderId: string) {
  const log = await db.query<{ line: string }>(
    `SELECT step || ' ' || action || ' ' || outcome AS line FROM orders.saga_log
     WHERE order_id = $1 ORDER BY id`,
    [orderId],
  );
  const history = await db.query<{ line: string }>(
    `SELECT coalesce(from_status, '-') || ' > ' || to_status || ' ' || coalesce(reason, '') AS line
     FROM orders.order_status_history WHERE order_id = $1 ORDER BY id`,
    [orderId],
  );
  return { log: log.rows.map((r) => r.line), history: history.rows.map((r) => r.line) };
}

// Each step is recorded by one statement (the order's fenced update with its saga_log line) and
// the last one with the status change and the event; these pin what those statements write.
describe('checkout saga bookkeeping', () => {
  it('stores the order, its lines and its created entry in one statement, as find reads it', async () => {
    const s = await setup();
    const lines = s.items.map((i) => ({
      productId: i.product_id,
      productName: i.product_name,
      unitPrice: i.unit_price,
      currency: 'USD',
      quantity: i.quantity,
    }));
    const pricing = priceOrder(lines, 0, 1) as Pricing;
    const id = newId();
    const order = await db.tx((q) =>
      ordersRepository.insert(
        q,
        {
          id,
          userId: s.member,
          pricing,
          lines,
          shippingAddress: address,
          paymentToken: 'tok_visa',
          firstStep: firstStep(pricing),
          leaseOwner: s.owner,
          leaseMs: 60_000,
        },
        { actorId: 'admin-1' },
      ),
    );
    expect(order).toEqual(await ordersRepository.find(db, id));
    expect((await ordersRepository.items(db, [id])).get(id)).toEqual(s.items);
    const { rows } = await db.query(
      'SELECT from_status, to_status, reason, actor_id FROM orders.order_status_history WHERE order_id = $1',
      [id],
    );
    expect(rows).toEqual([
      { from_status: null, to_status: 'pending', reason: 'created', actor_id: 'admin-1' },
    ]);
  });

  it('logs every step with its record, and the paid status with the last; answers the order as stored', async () => {
    const s = await setup();
    const run = await s.sagaWith().runHeld(s.created, s.items, s.owner);
    expect(run.outcome).toBe('completed');
    expect(run.order).toEqual(await s.order());
    expect(run.order).toMatchObject({ saga_lease_owner: null, saga_lease_until: null });
    expect(await bookkeeping(s.orderId)).toEqual({
      log: ['reserve run ok', 'hold run ok', 'charge run ok', 'capture run ok', 'commit run ok'],
      history: ['pending > processing paid'],
    });
    expect((await s.events()).map((e) => e.t)).toEqual(['order_paid']);
  });

  it('logs a refusal and each undo, and the cancelled status with the last undo', async () => {
    const s = await setup({ token: 'tok_chargeDeclined' });
    const run = await s.sagaWith().runHeld(s.created, s.items, s.owner);
    expect(run.outcome).toBe('compensated');
    expect(run.order).toEqual(await s.order());
    const { log: lines, history } = await bookkeeping(s.orderId);
    expect(lines).toEqual([
      'reserve run ok',
      'hold run ok',
      'charge run failed',
      'hold undo ok',
      'reserve undo ok',
    ]);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatch(/^pending > cancelled /);
    expect((await s.events()).map((e) => e.t)).toEqual(['order_cancelled']);
  });

  it('logs an unknown outcome with the lease given back and the next attempt put off', async () => {
    const s = await setup();
    s.fakes.fault({ service: 'payments', match: /process$/ });
    const run = await s
      .sagaWith({ retryBaseMs: 60_000, retryMaxMs: 60_000 })
      .runHeld(s.created, s.items, s.owner);
    expect(run).toEqual({ outcome: 'pending' });
    const o = await s.order();
    expect(o).toMatchObject({ saga_step: 'charge', saga_attempts: 1, saga_lease_owner: null });
    expect(o.saga_next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect((await bookkeeping(s.orderId)).log).toEqual([
      'reserve run ok',
      'hold run ok',
      'charge run unknown',
    ]);
  });

  it('writes nothing when the lease was taken over since the run began (fenced record)', async () => {
    const s = await setup();
    // The run starts from the row as its creator stored it, but another process holds the
    // saga by now: the first record must neither update the order nor log the step.
    await db.query('UPDATE orders.orders SET saga_lease_owner = $2 WHERE id = $1', [
      s.orderId,
      randomUUID(),
    ]);
    expect(await s.sagaWith().runHeld(s.created, s.items, s.owner)).toEqual({ outcome: 'lost' });
    expect(await s.order()).toMatchObject({ saga_step: 'reserve', status: 'pending' });
    expect(await bookkeeping(s.orderId)).toEqual({ log: [], history: [] });
    expect(await s.events()).toEqual([]);
  });
});
