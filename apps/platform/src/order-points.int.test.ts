/**
 * Earn, spend, cancel: the sequence issue 9 found, through the real services on PostgreSQL.
 * Points earned on a card order stay pending until the order is delivered and its return window
 * has passed (decision 006), so a member can never spend points for money that is given back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  createTestTokens,
  postgresGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { eventually, orderBody, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import {
  commerceEnv,
  commerceMember,
  commerceProduct,
  commerceServices,
} from './testing/commerce-fixtures.ts';

const gate = postgresGate();
const env = {
  ...commerceEnv,
  EARN_POINTS_PER_UNIT: '10',
  // No return window: points release as soon as the order is delivered, so the test can see it.
  EARN_RETURN_WINDOW_DAYS: '0',
};

describe.skipIf(!gate.url)('points earned on orders (real services, PostgreSQL)', () => {
  let temp: TempDatabase;
  let h: OrdersHarness;

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    const tokens = await createTestTokens();
    h = await startOrders({ modules: commerceServices, databaseUrl: temp.url, tokens, env });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  const account = async (m: { id: string; token: string }) =>
    (await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body;

  it('earn, spend, cancel: the earned points cannot be spent, and cancelling voids them', async () => {
    const m = await commerceMember(h);
    const order = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: await commerceProduct(h, 10_000), quantity: 1 }]),
    );
    expect(order.status).toBe(201);
    await eventually(async () => expect((await account(m)).pending).toBe(1_000));
    const spend = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 1_000 });
    expect(spend.status).toBe(422);
    expect(spend.body.type).toMatch(/insufficient-points$/);

    const cancel = await h.call('DELETE', `/api/orders/${order.body.id}`, m.token);
    expect(cancel.status).toBe(200);
    await eventually(async () => expect((await account(m)).pending).toBe(0));
    expect(await account(m)).toMatchObject({ balance: 0, available: 0 });
    const payment = await h.call('GET', `/api/payments/order/${order.body.id}`, m.token);
    expect(payment.body).toMatchObject({ amount: 10_000, refunded_amount: 10_000 });
  });

  it('releases the points once the order is delivered and the window has passed', async () => {
    const m = await commerceMember(h);
    const order = await h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: await commerceProduct(h, 5_000), quantity: 1 }]),
    );
    expect(order.status).toBe(201);
    await eventually(async () => expect((await account(m)).pending).toBe(500));
    for (const status of ['shipped', 'delivered']) {
      const res = await h.call('PATCH', `/api/orders/${order.body.id}/status`, h.adminToken, {
        status,
      });
      expect(res.status).toBe(200);
    }
    await eventually(async () =>
      expect(await account(m)).toMatchObject({ balance: 500, available: 500, pending: 0 }),
    );
    // A member cannot cancel a delivered order: the points stay paid for.
    const cancel = await h.call('DELETE', `/api/orders/${order.body.id}`, m.token);
    expect(cancel.status).toBe(409);
  });
});
