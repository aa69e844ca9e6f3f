import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memberJourney, slowRegistration } from './testing/http-journey.ts';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const json = { 'content-type': 'application/json' };

/** A member buys a seeded reward with a card through the one process (in-process calls). */
async function cashCheckout(base: string): Promise<void> {
  const list = (await (await fetch(`${base}/api/products?in_stock=true&limit=1`)).json()) as {
    items: Array<{ id: string; price: number }>;
  };
  const product = list.items[0]!;
  const name = `s${Date.now()}`;
  const password = 'a long enough passphrase';
  const reg = await fetch(`${base}/api/users/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: name, email: `${name}@example.com`, password }),
  });
  expect(reg.status).toBe(201);
  const login = await fetch(`${base}/api/users/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: name, password }),
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const order = await fetch(`${base}/api/orders`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${token}`, 'idempotency-key': `k-${name}` },
    body: JSON.stringify({
      items: [{ product_id: product.id, quantity: 1 }],
      shipping_address: {
        name: 'Sam',
        line1: '2 Quay',
        city: 'Faro',
        postal_code: '8000-001',
        country: 'PT',
      },
      payment: { method: 'card', token: 'tok_mastercard' },
    }),
  });
  const body = (await order.json()) as Record<string, unknown>;
  expect(order.status, JSON.stringify(body)).toBe(201);
  expect(body).toMatchObject({ status: 'processing', total_amount: product.price });
}

const dataDir = mkdtempSync(join(tmpdir(), 'redemption-standalone-'));
const env = {
  DATA_DIR: dataDir,
  ADMIN_PASSWORD: 'admin password for tests',
  DATABASE_URL: '',
  REDIS_URL: '',
};
let running: Running | undefined;

afterAll(() => {
  running?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('redemption start (standalone, embedded PostgreSQL)', () => {
  it('comes up ready with demo data and serves the member journey on one port', async () => {
    running = await spawnPlatform(['start'], env);
    expect(running.stderr()).toContain('created on first start');
    // The embedded database is a throwaway: demo members are welcome there.
    expect(running.stderr()).toContain('members: alice, bob, carol');
    const ready = await fetch(`${running.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const root = await (await fetch(`${running.baseUrl}/status`)).text();
    expect(root).toContain('/api/docs');
    const adminLogin = await fetch(`${running.baseUrl}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin@redemption.local', password: env.ADMIN_PASSWORD }),
    });
    expect(adminLogin.status).toBe(200);
    await memberJourney(running.baseUrl);
    await cashCheckout(running.baseUrl);
  });

  it('finishes a slow request after SIGTERM, then exits 0', async () => {
    const r = running!;
    const status = await slowRegistration(r.baseUrl, async () => {
      r.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(r.child.exitCode).toBeNull();
    });
    expect(status).toBe(201);
    expect(await r.exited).toBe(0);
  });

  it('keeps its data and does not seed twice across restarts', async () => {
    running = await spawnPlatform(['start'], env);
    expect(running.stderr()).not.toContain('created on first start');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
