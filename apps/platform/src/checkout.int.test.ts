/**
 * The checkout saga with the real services (identity, loyalty, catalog, payments, orders) in
 * one platform on a real PostgreSQL. It lives here, not in services/orders, because a service
 * may not import another service (tools/check-boundaries.ts); the app composes them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberRegistered } from '@redemption/contracts';
import { catalogModule } from '@redemption/catalog';
import { identityModule } from '@redemption/identity';
import type { ServiceModule } from '@redemption/kernel';
import {
  createTempDatabase,
  createTestTokens,
  postgresGate,
  type TempDatabase,
  type TestTokens,
} from '@redemption/kernel/testing';
import { loyaltyModule } from '@redemption/loyalty';
import type { OrdersModuleOptions } from '@redemption/orders';
import { eventually, orderBody, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import { paymentsModule } from '@redemption/payments';

const gate = postgresGate();
const services: ServiceModule[] = [identityModule, loyaltyModule, catalogModule, paymentsModule];
const quick: OrdersModuleOptions = {
  saga: { leaseMs: 1_000, retryBaseMs: 50, retryMaxMs: 200 },
  recovery: { everyMs: 100 },
};
// No earning on order_paid, so balances show exactly what checkout and refunds did with points.
// No admission limit on checkouts: the sell-out sends 100 at once to each instance, and the
// race under test is the stock's, not the door's (admission.int.test.ts tests the 429s).
const env = {
  LOYALTY_RATE_PER_MEMBER_PER_S: '1000',
  LOYALTY_RATE_PER_IP_PER_S: '100000',
  EARN_POINTS_PER_UNIT: '0',
  IN_FLIGHT_SAGAS_PER_DB_CONNECTION: '0',
};

describe.skipIf(!gate.url)('checkout with the real services (PostgreSQL)', () => {
  let temp: TempDatabase;
  let tokens: TestTokens;
  let h: OrdersHarness;
  const start = (orders: OrdersModuleOptions = quick) =>
    startOrders({ modules: services, databaseUrl: temp.url, orders, tokens, env });

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    tokens = await createTestTokens();
    h = await start();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  /** A member whose loyalty account is open (loyalty's consumer of member_registered) with `points`. */
  async function member(on: OrdersHarness, points = 0) {
    const m = await on.member();
    await on.platform.db.tx((q) =>
      on.platform.events.publisher.publish(q, memberRegistered, {
        subject: m.id,
        data: { member_id: m.id, role: 'member' },
      }),
    );
    await eventually(async () =>
      expect((await on.call('GET', `/api/loyalty/accounts/${m.id}`, on.adminToken)).status).toBe(
        200,
      ),
    );
    if (points > 0) {
      const earned = await on.call('POST', '/api/loyalty/earn', on.adminToken, {
        member_id: m.id,
        points,
        reason: 'test',
      });
      expect(earned.status).toBe(201);
    }
    return m;
  }

  async function product(on: OrdersHarness, price = 2_500, stock = 10): Promise<string> {
    const res = await on.call('POST', '/api/products', on.adminToken, {
      sku: `SKU-${randomUUID().slice(0, 8)}`,
      name: 'Spa day',
      price,
      currency: 'USD',
      stock_quantity: stock,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const account = async (on: OrdersHarness, id: string) =>
    (await on.call('GET', `/api/loyalty/accounts/${id}`, on.adminToken)).body;
  const reservation = async (on: OrdersHarness, id: string) =>
    (await on.call('GET', `/api/inventory/reservations/${id}`, on.adminToken)).body;
  const payment = async (on: OrdersHarness, orderId: string) =>
    on.call('GET', `/api/payments/order/${orderId}`, on.adminToken);
  const stock = async (on: OrdersHarness, id: string) =>
    (await on.call('GET', `/api/products/${id}`, on.adminToken)).body.stock_quantity as number;

  it('pays with points and cash: stock committed, points captured, card charged once', async () => {
    const m = await member(h, 1_000);
    const p = await product(h);
    const res = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: p, quantity: 2 }], { points_to_use: 1_000 }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'processing',
      total_amount: 5_000,
      cash_amount: 4_000,
      points_used: 1_000,
    });
    expect(await account(h, m.id)).toMatchObject({ balance: 0, held: 0 });
    expect((await reservation(h, res.body.id)).status).toBe('committed');
    expect((await payment(h, res.body.id)).body).toMatchObject({
      amount: 4_000,
      currency: 'USD',
      status: 'succeeded',
    });
    expect(await stock(h, p)).toBe(8);
  });

  it('on a decline releases the reservation and the points hold', async () => {
    const m = await member(h, 1_000);
    const p = await product(h);
    const res = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: p, quantity: 1 }], {
        points_to_use: 500,
        payment: { method: 'card', token: 'tok_chargeDeclined' },
      }),
    );
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({
      type: '/problems/payment-declined',
      order_id: expect.any(String),
    });
    expect((await reservation(h, res.body.order_id)).status).toBe('released');
    expect(await account(h, m.id)).toMatchObject({ balance: 1_000, held: 0, available: 1_000 });
    expect(await stock(h, p)).toBe(10);
    expect((await h.call('GET', `/api/orders/${res.body.order_id}`, m.token)).body.status).toBe(
      'cancelled',
    );
  });

  it('with too few points releases the reservation (422); out of stock is 409', async () => {
    const m = await member(h, 100);
    const p = await product(h, 2_500, 1);
    const poor = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: p, quantity: 1 }], { points_to_use: 200 }),
    );
    expect(poor.status).toBe(422);
    expect(poor.body.type).toBe('/problems/insufficient-points');
    expect((await reservation(h, poor.body.order_id)).status).toBe('released');
    const out = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: p, quantity: 2 }]),
    );
    expect(out.status).toBe(409);
    expect(out.body.type).toBe('/problems/out-of-stock');
    expect(await stock(h, p)).toBe(1);
  });

  it('creates one order and one charge per Idempotency-Key', async () => {
    const m = await member(h);
    const p = await product(h);
    const key = randomUUID();
    const body = orderBody([{ product_id: p, quantity: 1 }]);
    const [a, b] = [
      await h.call('POST', '/api/orders', m.token, body, key),
      await h.call('POST', '/api/orders', m.token, body, key),
    ];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).toBe(a.body.id);
    const list = await h.call('GET', `/api/orders/user/${m.id}`, m.token);
    expect(list.body.items).toHaveLength(1);
    expect(await stock(h, p)).toBe(9);
  });

  it('refunds part with points reversed in proportion, then all with restock; cancels after payment', async () => {
    const m = await member(h, 1_000);
    const p = await product(h);
    const id = (
      await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: p, quantity: 2 }], { points_to_use: 1_000 }),
      )
    ).body.id;
    const url = `/api/orders/${id}/refunds`;
    expect((await h.call('POST', url, m.token, { amount: 1_000 })).status).toBe(403);
    const part = await h.call('POST', url, h.adminToken, { amount: 1_000 });
    expect(part.status).toBe(201);
    expect(part.body.refund).toMatchObject({ cash_amount: 1_000, points: 250, full_refund: false });
    expect((await account(h, m.id)).balance).toBe(250);
    expect((await payment(h, id)).body).toMatchObject({
      refunded_amount: 1_000,
      status: 'partially_refunded',
    });
    const rest = await h.call('POST', url, h.adminToken, {});
    expect(rest.body.order).toMatchObject({ refunded_cash: 4_000, reversed_points: 1_000 });
    expect((await account(h, m.id)).balance).toBe(1_000);
    expect((await reservation(h, id)).status).toBe('restocked');
    expect(await stock(h, p)).toBe(10);

    const m2 = await member(h, 300);
    const id2 = (
      await h.call(
        'POST',
        '/api/orders',
        m2.token,
        orderBody([{ product_id: p, quantity: 1 }], { points_to_use: 300 }),
      )
    ).body.id;
    const other = await member(h);
    expect((await h.call('DELETE', `/api/orders/${id2}`, other.token)).status).toBe(404);
    const cancelled = await h.call('DELETE', `/api/orders/${id2}`, m2.token);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      refunded_cash: 2_200,
      reversed_points: 300,
    });
    expect((await account(h, m2.id)).balance).toBe(300);
    expect((await payment(h, id2)).body.status).toBe('refunded');
    expect(await stock(h, p)).toBe(10);
  });

  it('requires a token on every route and the admin role where it says so', async () => {
    const m = await member(h);
    const p = await product(h);
    const id = (
      await h.call('POST', '/api/orders', m.token, orderBody([{ product_id: p, quantity: 1 }]))
    ).body.id;
    const routes: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown]> = [
      ['POST', '/api/orders', orderBody([{ product_id: p, quantity: 1 }])],
      ['GET', `/api/orders/${id}`, undefined],
      ['GET', `/api/orders/user/${m.id}`, undefined],
      ['PATCH', `/api/orders/${id}/status`, { status: 'shipped' }],
      ['DELETE', `/api/orders/${id}`, undefined],
      ['POST', `/api/orders/${id}/refunds`, {}],
    ];
    for (const [method, url, body] of routes)
      expect((await h.call(method, url, null, body)).status, `${method} ${url}`).toBe(401);
    expect(
      (await h.call('PATCH', `/api/orders/${id}/status`, m.token, { status: 'shipped' })).status,
    ).toBe(403);
    expect((await h.call('POST', `/api/orders/${id}/refunds`, m.token, {})).status).toBe(403);
    expect(
      (await h.call('PATCH', `/api/orders/${id}/status`, h.adminToken, { status: 'shipped' })).body
        .status,
    ).toBe('shipped');
  });

  for (const [label, killAfter, token, expected] of [
    ['after the charge, resumes and completes', 'charge', 'tok_visa', 'processing'],
    [
      'after the hold, resumes, is declined and compensates',
      'hold',
      'tok_chargeDeclined',
      'cancelled',
    ],
  ] as const) {
    it(`a process killed ${label} on another instance`, async () => {
      const killed = await start({
        ...quick,
        saga: { ...quick.saga, afterStep: (s) => (s === killAfter ? 'abandon' : undefined) },
      });
      const m = await member(killed, 500);
      const p = await product(killed);
      const res = await killed.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: p, quantity: 1 }], {
          points_to_use: 500,
          payment: { method: 'card', token },
        }),
      );
      expect(res.status).toBe(202);
      await killed.close(); // the run is gone; its lease is still set
      await eventually(async () =>
        expect((await h.call('GET', `/api/orders/${res.body.id}`, h.adminToken)).body.status).toBe(
          expected,
        ),
      );
      const acct = await account(h, m.id);
      expect(acct.held).toBe(0);
      if (expected === 'processing') {
        expect(acct.balance).toBe(0);
        expect((await reservation(h, res.body.id)).status).toBe('committed');
        expect((await payment(h, res.body.id)).body).toMatchObject({
          amount: 2_000,
          status: 'succeeded',
        });
      } else {
        expect(acct.balance).toBe(500);
        expect((await reservation(h, res.body.id)).status).toBe('released');
        const paid = await payment(h, res.body.id);
        expect(paid.status === 404 || paid.body.status !== 'succeeded').toBe(true);
      }
      const pending = await h.platform.db.query(
        "SELECT id FROM orders.orders WHERE status = 'pending'",
      );
      expect(pending.rows).toEqual([]);
    });
  }

  it('sells exactly 50 units to 200 concurrent orders over two instances; the rest get 409', async () => {
    // A lease long enough for a run under this load; the 1 s one of the kill tests would let
    // the recovery workers take live runs over (correctly fenced, but answered 202).
    const load: OrdersModuleOptions = { saga: { leaseMs: 30_000 }, recovery: { everyMs: 100 } };
    const first = await start(load);
    const second = await start(load);
    try {
      const p = await product(h, 1_000, 50);
      const buyers = await Promise.all(Array.from({ length: 200 }, () => h.member()));
      const results = await Promise.all(
        buyers.map((b, i) =>
          (i % 2 ? second : first).call(
            'POST',
            '/api/orders',
            b.token,
            orderBody([{ product_id: p, quantity: 1 }]),
          ),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(50);
      expect(
        results.filter((r) => r.status === 409 && r.body.type === '/problems/out-of-stock'),
      ).toHaveLength(150);
      expect(await stock(h, p)).toBe(0);
      const paid = await h.platform.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM orders.orders o JOIN orders.order_items i ON i.order_id = o.id WHERE i.product_id = $1 AND o.status = 'processing'",
        [p],
      );
      expect(paid.rows[0]!.n).toBe(50);
      const unfinished = await h.platform.db.query(
        "SELECT id FROM orders.orders WHERE saga_state IN ('forward', 'compensating')",
      );
      expect(unfinished.rows).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  }, 180_000);
});
