/**
 * Cancels of one order racing each other, with the real services on a real PostgreSQL (the
 * embedded database has one connection, so nothing there can race).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { orderBody, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import {
  commerceEnv,
  commerceMember,
  commerceProduct,
  commerceServices,
} from './testing/commerce-fixtures.ts';

const gate = postgresGate();
const racingCancels = 3;

describe.skipIf(!gate.url)('concurrent cancels of one order (PostgreSQL)', () => {
  let temp: TempDatabase;
  let h: OrdersHarness;

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    h = await startOrders({
      modules: commerceServices,
      databaseUrl: temp.url,
      env: commerceEnv,
      orders: { saga: { leaseMs: 30_000 } },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  it('of a paid order: one refund; the others get the same answer or 409, never a 5xx', async () => {
    for (let round = 0; round < 3; round++) {
      const m = await commerceMember(h, 400);
      const p = await commerceProduct(h, 2_000, 5);
      const placed = await h.call(
        'POST',
        '/api/orders',
        m.token,
        orderBody([{ product_id: p, quantity: 1 }], { points_to_use: 400 }),
      );
      expect(placed.status).toBe(201);
      const id = placed.body.id as string;
      const results = await Promise.all(
        Array.from({ length: racingCancels }, (_, i) =>
          h.call('DELETE', `/api/orders/${id}`, i % 2 ? h.adminToken : m.token),
        ),
      );
      const statuses = results.map((r) => r.status);
      for (const r of results) {
        expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
        if (r.status === 200)
          expect(r.body).toMatchObject({
            status: 'cancelled',
            refunded_cash: 1_600,
            reversed_points: 400,
          });
        else expect(r.headers['content-type']).toContain('application/problem+json');
      }
      expect(statuses).toContain(200);
      const order = await h.call('GET', `/api/orders/${id}`, h.adminToken);
      expect(order.body).toMatchObject({ status: 'cancelled', refunded_cash: 1_600 });
      const paid = await h.call('GET', `/api/payments/order/${id}`, h.adminToken);
      expect(paid.body).toMatchObject({ status: 'refunded', refunded_amount: 1_600 });
      const acct = await h.call('GET', `/api/loyalty/accounts/${m.id}`, h.adminToken);
      expect(acct.body).toMatchObject({ balance: 400, held: 0 });
      const events = await h.platform.db.query(
        "SELECT 1 FROM kernel.outbox WHERE key = $1 AND event->>'type' = 'order_cancelled'",
        [id],
      );
      expect(events.rows).toHaveLength(1);
    }
  });
});
