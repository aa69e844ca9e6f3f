/** Chaos's members (each with a million points) and stocked products, made through the gateway. */
import { randomUUID } from 'node:crypto';

export const adminPassword = 'chaos admin password';
const chaosProducts = 4;
const chaosStock = 1_000_000;
const earnRetries = 100;
const earnRetryPauseMs = 200;

async function call(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

export async function members(base: string, n: number) {
  const admin = await call(base, 'POST', '/api/users/login', null, {
    username: 'admin@redemption.local',
    password: adminPassword,
  });
  const adminToken = admin.body['access_token'] as string;
  const out: Array<{ token: string }> = [];
  for (let i = 0; i < n; i++) {
    const name = `chaos${randomUUID().slice(0, 8)}`;
    const password = 'a long enough chaos passphrase';
    const reg = await call(base, 'POST', '/api/users/register', null, {
      username: name,
      email: `${name}@example.com`,
      password,
    });
    const login = await call(base, 'POST', '/api/users/login', null, { username: name, password });
    for (let tries = 0; tries < earnRetries; tries++) {
      const earned = await call(base, 'POST', '/api/loyalty/earn', adminToken, {
        member_id: reg.body['id'],
        points: 1_000_000,
        reason: 'chaos',
      });
      if (earned.status === 201) break;
      await new Promise((r) => setTimeout(r, earnRetryPauseMs));
    }
    out.push({ token: login.body['access_token'] as string });
  }
  // Products of our own, stocked for any run: the demo's sell out and orders would be 409s.
  const productIds: string[] = [];
  for (let i = 0; i < chaosProducts; i++) {
    const product = await call(base, 'POST', '/api/products', adminToken, {
      sku: `CHAOS-${randomUUID().slice(0, 8)}`,
      name: `Chaos reward ${i}`,
      price: 2_500,
      currency: 'USD',
      stock_quantity: chaosStock,
    });
    productIds.push(product.body['id'] as string);
  }
  return { workers: out, productIds };
}
