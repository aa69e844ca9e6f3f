/**
 * kill -9 in the middle of card charges, then a restart: every order must end paid (completed,
 * its card charged once) or cancelled with its money back, never cancelled with money taken.
 * The killed platform is a real child process (testing/checkout-crash-child.ts); the one that
 * recovers runs here. With the Stripe provider, the charges go to a fake of Stripe's HTTP API
 * living in this test process, so they go on (and succeed) after their caller died, as they
 * would at Stripe. With the simulated provider, the slow token (`tok_slow`) is used instead.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Queryable } from '@redemption/kernel';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { eventually, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import { startFakeStripe, type FakeStripe } from '@redemption/payments/testing';
import { commerceEnv, commerceServices } from './testing/commerce-modules.ts';

const gate = postgresGate();
const child = fileURLToPath(new URL('./testing/checkout-crash-child.ts', import.meta.url));
const ordersMax = 4;
const pointsEach = 300;
const slowChargeMs = 2_500;
const childReadyMs = 60_000;
const settleMs = 60_000;

interface OrderRow {
  id: string;
  user_id: string;
  status: string;
  saga_state: string;
  cash_amount: number;
}

/** Runs the child platform until it has sent its orders and `inFlight` says the charges are under way, then kills it (SIGKILL). */
async function killMidCharge(env: Record<string, string>, inFlight: () => Promise<boolean>) {
  const proc = spawn(process.execPath, [child], {
    env: { ...process.env, CRASH_ORDERS: String(ordersMax), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  await eventually(
    async () => {
      expect(proc.exitCode, output).toBeNull();
      expect(output).toContain('orders sent');
      expect(await inFlight()).toBe(true);
    },
    childReadyMs,
    20,
  );
  proc.kill('SIGKILL');
  await exited;
}

const openDb = (temp: TempDatabase) =>
  createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 1 });

/** As if the kernel's lease on the dead requests' Idempotency-Keys had run out (60 s). */
async function expireDeadKeys(q: Queryable, ids: string[]) {
  await q.query(
    `UPDATE kernel.idempotency_keys SET lease_until = now() - interval '1 second'
     WHERE key = ANY($1::text[]) AND response_status IS NULL`,
    [ids.map((id) => `order:${id}:charge`)],
  );
}

/** The first half of the killed orders (by id): those whose dead requests' keys run out. */
async function resumableHalf(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM orders.orders ORDER BY id');
  expect(rows).toHaveLength(ordersMax);
  return rows.slice(0, ordersMax / 2).map((o) => o.id);
}

describe.skipIf(!gate.url)('kill -9 during slow card charges, then restart (PostgreSQL)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function survive(temp: TempDatabase, env: Record<string, string>) {
    const h = await startOrders({
      modules: commerceServices,
      databaseUrl: temp.url,
      env: { ...commerceEnv, ...env },
      orders: {
        saga: { leaseMs: 1_000, retryBaseMs: 50, retryMaxMs: 300 },
        recovery: { everyMs: 100 },
      },
    });
    cleanup.push(() => h.close());
    await eventually(
      async () => {
        const open = await h.platform.db.query(
          "SELECT 1 FROM orders.orders WHERE saga_state IN ('forward', 'compensating')",
        );
        expect(open.rows).toEqual([]);
      },
      settleMs,
      100,
    );
    return h;
  }

  const ordersOf = async (h: OrdersHarness) =>
    (
      await h.platform.db.query<OrderRow>(
        'SELECT id, user_id, status, saga_state, cash_amount FROM orders.orders ORDER BY id',
      )
    ).rows;

  /** Points and stock: back for a cancelled order, spent for a paid one; no hold left. */
  async function expectPointsAndStock(h: OrdersHarness, orders: OrderRow[]) {
    for (const o of orders) {
      const acct = await h.call('GET', `/api/loyalty/accounts/${o.user_id}`, h.adminToken);
      const balance = o.status === 'processing' ? 0 : pointsEach;
      expect(acct.body, o.id).toMatchObject({ balance, held: 0 });
      const r = await h.call('GET', `/api/inventory/reservations/${o.id}`, h.adminToken);
      expect(r.body.status, o.id).toBe(o.status === 'processing' ? 'committed' : 'released');
    }
  }

  it('with Stripe: each order paid once, or cancelled with every charge refunded', async () => {
    const temp = await createTempDatabase(gate.url!);
    cleanup.push(() => temp.drop());
    const stripe: FakeStripe = await startFakeStripe({ confirmDelayMs: slowChargeMs });
    cleanup.push(() => stripe.close());
    const env = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_crash',
      STRIPE_API_BASE: stripe.url,
    };
    await killMidCharge(
      { ...env, DATABASE_URL: temp.url, CRASH_TOKEN: 'pm_card_visa' },
      async () => stripe.confirming() === ordersMax,
    );
    const db = await openDb(temp);
    const resumable = await resumableHalf(db);
    await expireDeadKeys(db, resumable);
    await db.close();
    // Stripe finishes what it was asked, whoever still listens.
    await eventually(async () => expect(stripe.confirming()).toBe(0), settleMs);

    const h = await survive(temp, env);
    const orders = await ordersOf(h);
    for (const o of orders) {
      expect(['processing', 'cancelled'], o.id).toContain(o.status);
      const intents = [...stripe.intents.values()].filter((i) => i.metadata['order_id'] === o.id);
      const kept = intents
        .filter((i) => i.status === 'succeeded')
        .reduce((sum, i) => sum + i.amount - i.amount_refunded, 0);
      expect(kept, `money kept for a ${o.status} order`).toBe(
        o.status === 'processing' ? o.cash_amount : 0,
      );
      expect(intents.filter((i) => i.status === 'processing')).toEqual([]);
      const paid = await h.call('GET', `/api/payments/order/${o.id}`, h.adminToken);
      if (o.status === 'processing')
        expect(paid.body).toMatchObject({ amount: o.cash_amount, status: 'succeeded' });
      else expect(paid.status === 404 || paid.body.status === 'refunded', o.id).toBe(true);
    }
    // Those whose dead request's key had run out found their charge at Stripe and completed;
    // the others' keys were still held, the saga gave up and voided them: charged, refunded.
    for (const o of orders) {
      expect(o.status, o.id).toBe(resumable.includes(o.id) ? 'processing' : 'cancelled');
      const intents = [...stripe.intents.values()].filter((i) => i.metadata['order_id'] === o.id);
      expect(intents.map((i) => i.status)).toContain('succeeded');
    }
    await expectPointsAndStock(h, orders);
  }, 180_000);

  it('with the simulated provider (tok_slow): paid once or cancelled, none left open', async () => {
    const temp = await createTempDatabase(gate.url!);
    cleanup.push(() => temp.drop());
    const db = await openDb(temp);
    const pendingCharges = async () => {
      try {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM payments.payment_attempts WHERE outcome = 'pending'",
        );
        return rows[0]!.n === ordersMax;
      } catch {
        return false; // not migrated yet
      }
    };
    await killMidCharge(
      { DATABASE_URL: temp.url, SIMULATED_SLOW_MS: String(slowChargeMs), CRASH_TOKEN: 'tok_slow' },
      pendingCharges,
    );
    const resumable = await resumableHalf(db);
    await expireDeadKeys(db, resumable);
    await db.close();

    const h = await survive(temp, { SIMULATED_SLOW_MS: '200' });
    const orders = await ordersOf(h);
    expect(orders).toHaveLength(ordersMax);
    for (const o of orders) {
      expect(['processing', 'cancelled'], o.id).toContain(o.status);
      const paid = await h.call('GET', `/api/payments/order/${o.id}`, h.adminToken);
      if (o.status === 'processing')
        expect(paid.body).toMatchObject({ amount: o.cash_amount, status: 'succeeded' });
      else expect(paid.status === 404 || paid.body.status === 'refunded', o.id).toBe(true);
    }
    for (const id of resumable)
      expect(orders.find((o) => o.id === id)?.status, id).toBe('processing');
    const open = await h.platform.db.query(
      "SELECT 1 FROM payments.payment_attempts WHERE outcome = 'pending'",
    );
    expect(open.rows).toEqual([]);
    await expectPointsAndStock(h, orders);
  }, 180_000);
});
