/**
 * Distributed mode end to end: identity, loyalty, catalog, payments and orders each in their
 * own `redemption serve` process on one PostgreSQL, behind `redemption serve gateway`. A member
 * shops through the gateway only; orders reaches the other services over HTTP with internal
 * tokens.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  httpCaller,
  postgresGate,
  type Reply,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const gate = postgresGate();
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const adminPassword = 'admin password for tests';
const accountWaitMs = 20_000;

describe.skipIf(!gate.url)('commerce through the gateway (distributed, PostgreSQL)', () => {
  let temp: TempDatabase;
  const running: Running[] = [];
  let gw = '';
  const call = httpCaller(() => gw);

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    const common = {
      DATABASE_URL: temp.url,
      INTERNAL_TOKEN_SECRET: randomUUID() + randomUUID(),
      ADMIN_PASSWORD: adminPassword,
      EVENT_TRANSPORT: 'pg',
      REDIS_URL: '',
    };
    // The demo rewards are what the member shops for; a real database needs the opt-in.
    await promisify(execFile)(process.execPath, [cli, 'seed'], {
      env: { ...process.env, ...common, DEMO_DATA: '1', LOG_LEVEL: 'warn' },
    });
    const serve = async (name: string, env: Record<string, string> = {}) => {
      const r = await spawnPlatform(['serve', name], { ...common, ...env });
      running.push(r);
      return r.baseUrl;
    };
    const identity = await serve('identity');
    const [loyalty, catalog, payments] = await Promise.all(
      ['loyalty', 'catalog', 'payments'].map((s) => serve(s, { IDENTITY_URL: identity })),
    );
    const urls = {
      IDENTITY_URL: identity,
      LOYALTY_URL: loyalty!,
      CATALOG_URL: catalog!,
      PAYMENTS_URL: payments!,
    };
    const orders = await serve('orders', urls);
    const g = await spawnPlatform(['serve', 'gateway'], { ...urls, ORDERS_URL: orders });
    running.push(g);
    gw = g.baseUrl;
  }, 120_000);

  afterAll(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await Promise.all(running.map((r) => r.exited));
    await temp?.drop();
  });

  it('serves catalog, checkout with points and card, payments and loyalty', async () => {
    const ready = await call('GET', '/health/ready', null);
    expect(ready.status).toBe(200);
    const admin = await call('POST', '/api/users/login', null, {
      username: 'admin@redemption.local',
      password: adminPassword,
    });
    expect(admin.status).toBe(200);
    const adminToken = admin.body['access_token'] as string;

    const list = await call('GET', '/api/products?in_stock=true&sort=price&limit=5', null);
    expect(list.status).toBe(200);
    const product = (list.body['items'] as Array<Record<string, unknown>>)[0]!;
    expect(product['stock_quantity']).toBeGreaterThan(0);
    const price = product['price'] as number;

    const name = `d${randomUUID().slice(0, 8)}`;
    const reg = await call('POST', '/api/users/register', null, {
      username: name,
      email: `${name}@example.com`,
      password: 'a long enough passphrase',
    });
    expect(reg.status).toBe(201);
    const memberId = reg.body['id'] as string;
    const login = await call('POST', '/api/users/login', null, {
      username: name,
      password: 'a long enough passphrase',
    });
    const token = login.body['access_token'] as string;

    // Loyalty opens the account from identity's member_registered event (asynchronous).
    const deadline = Date.now() + accountWaitMs;
    let earned: Reply;
    do {
      earned = await call(
        'POST',
        '/api/loyalty/earn',
        adminToken,
        { member_id: memberId, points: 5_000, reason: 'welcome' },
        randomUUID(),
      );
      if (earned.status !== 201) await new Promise((r) => setTimeout(r, 200));
    } while (earned.status !== 201 && Date.now() < deadline);
    expect(earned.status).toBe(201);

    const pointsToUse = Math.min(1_000, price - 1);
    const orderBody = (cardToken: string) => ({
      items: [{ product_id: product['id'], quantity: 1 }],
      shipping_address: {
        name: 'Dana Member',
        line1: '1 Harbour Road',
        city: 'Porto',
        postal_code: '4000-001',
        country: 'PT',
      },
      points_to_use: pointsToUse,
      payment: { method: 'card', token: cardToken },
    });
    const order = await call('POST', '/api/orders', token, orderBody('tok_visa'), randomUUID());
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body['status']).toBe('processing');
    const orderId = order.body['id'] as string;

    const seen = await call('GET', `/api/orders/${orderId}`, token);
    expect(seen.body['status']).toBe('processing');
    const mine = await call('GET', `/api/orders/user/${memberId}`, token);
    expect(JSON.stringify(mine.body)).toContain(orderId);
    const payment = await call('GET', `/api/payments/order/${orderId}`, token);
    expect(payment.status).toBe(200);
    expect(payment.body['amount']).toBe(price - pointsToUse);
    expect(payment.body['card']).toMatchObject({ last4: '4242' });
    const account = await call('GET', `/api/loyalty/accounts/${memberId}`, token);
    expect(account.body['held']).toBe(0);
    expect(account.body['balance']).toBeGreaterThanOrEqual(5_000 - pointsToUse);

    const declined = await call(
      'POST',
      '/api/orders',
      token,
      orderBody('tok_chargeDeclined'),
      randomUUID(),
    );
    expect(declined.status).toBe(402);
    const after = await call('GET', `/api/loyalty/accounts/${memberId}`, token);
    expect(after.body['held']).toBe(0);

    const other = await call('GET', `/api/orders/${orderId}`, null);
    expect(other.status).toBe(401);
  }, 120_000);
});
