import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { memberRegistered } from '@redemption/contracts';
import { eventually, type OrdersHarness } from '@redemption/orders/testing';

export { commerceEnv, commerceServices } from './commerce-modules.ts';

/** A member whose loyalty account is open (loyalty's consumer of member_registered) with `points`. */
export async function commerceMember(on: OrdersHarness, points = 0) {
  const m = await on.member();
  await on.platform.db.tx((q) =>
    on.platform.events.publisher.publish(q, memberRegistered, {
      subject: m.id,
      data: { member_id: m.id, role: 'member' },
    }),
  );
  await eventually(async () =>
    expect((await on.call('GET', `/api/loyalty/accounts/${m.id}`, on.adminToken)).status).toBe(200),
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

/** A product of `price` minor units with `stock` units; returns its id. */
export async function commerceProduct(on: OrdersHarness, price = 2_500, stock = 10) {
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
