/**
 * A platform process for checkout-crash.int.test.ts to kill with SIGKILL in the middle of card
 * charges: all services in one process (standalone) on DATABASE_URL, the payment provider from
 * the environment. It opens CRASH_ORDERS members' accounts, sends one order each (points and a
 * card token, CRASH_TOKEN) without waiting for them, says `orders sent` on stdout, and waits to
 * be killed. Plain Node (no test runner): it is a process, not a test.
 */
import { memberRegistered } from '@redemption/contracts';
import { orderBody, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import { commerceEnv, commerceServices } from './commerce-modules.ts';

const pointsEach = 300;
const priceMinor = 2_300;
const accountWaitMs = 30_000;
/** Short, as in the other saga tests, so that the survivor resumes within a test's time. */
const crashSagaOptions = {
  saga: { leaseMs: 1_000, retryBaseMs: 50, retryMaxMs: 300 },
  recovery: { everyMs: 100 },
};
const passedOn = [
  'PAYMENT_PROVIDER',
  'STRIPE_SECRET_KEY',
  'STRIPE_API_BASE',
  'SIMULATED_SLOW_MS',
] as const;

async function openAccount(h: OrdersHarness, id: string): Promise<void> {
  await h.platform.db.tx((q) =>
    h.platform.events.publisher.publish(q, memberRegistered, {
      subject: id,
      data: { member_id: id, role: 'member' },
    }),
  );
  const deadline = Date.now() + accountWaitMs;
  while ((await h.call('GET', `/api/loyalty/accounts/${id}`, h.adminToken)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`no loyalty account for ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const earned = await h.call('POST', '/api/loyalty/earn', h.adminToken, {
    member_id: id,
    points: pointsEach,
    reason: 'crash test',
  });
  if (earned.status !== 201) throw new Error(`earn: ${earned.status}`);
}

async function main(): Promise<void> {
  const env: Record<string, string> = { ...commerceEnv };
  for (const name of passedOn) if (process.env[name]) env[name] = process.env[name]!;
  const h = await startOrders({
    modules: commerceServices,
    databaseUrl: process.env['DATABASE_URL']!,
    env,
    orders: crashSagaOptions,
  });
  const product = await h.call('POST', '/api/products', h.adminToken, {
    sku: 'CRASH-1',
    name: 'Late checkout',
    price: priceMinor,
    currency: 'USD',
    stock_quantity: 100,
  });
  if (product.status !== 201) throw new Error(`product: ${product.status}`);
  const members = await Promise.all(
    Array.from({ length: Number(process.env['CRASH_ORDERS'] ?? 4) }, () => h.member()),
  );
  for (const m of members) await openAccount(h, m.id);
  for (const m of members)
    void h.call(
      'POST',
      '/api/orders',
      m.token,
      orderBody([{ product_id: product.body.id as string, quantity: 1 }], {
        points_to_use: pointsEach,
        payment: { method: 'card', token: process.env['CRASH_TOKEN'] ?? 'tok_slow' },
      }),
    );
  process.stdout.write('orders sent\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
