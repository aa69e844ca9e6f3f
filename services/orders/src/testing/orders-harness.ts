import type { ServiceModule } from '@redemption/kernel';
import { startModule, type ModuleHarness, type TestTokens } from '@redemption/kernel/testing';
import { createOrdersModule, type OrdersModuleOptions } from '../index.ts';

export type OrdersHarness = ModuleHarness;

export interface OrdersHarnessOptions {
  /** The services orders calls (real modules, or the fakes of fake-services.ts). */
  modules: readonly ServiceModule[];
  databaseUrl?: string;
  env?: Record<string, string>;
  orders?: OrdersModuleOptions;
  /** Share one issuer between platforms that stand for processes of one deployment. */
  tokens?: TestTokens;
}

/** Orders with the services it needs, in one platform (standalone mode); test-issued tokens. */
export const startOrders = (opts: OrdersHarnessOptions): Promise<OrdersHarness> =>
  startModule(createOrdersModule(opts.orders), { ...opts, alongside: opts.modules });

export const testAddress = {
  name: 'Ada Lovelace',
  line1: '12 Harbour Street',
  city: 'Lisbon',
  postal_code: '1100-148',
  country: 'PT',
};

/** A valid order body for the given lines; `extra` merges over it. */
export const orderBody = (
  items: Array<{ product_id: string; quantity: number }>,
  extra: Record<string, unknown> = {},
) => ({
  items,
  shipping_address: testAddress,
  payment: { method: 'card', token: 'tok_visa' },
  ...extra,
});

/** Polls until `check` passes or `timeoutMs` runs out (background work: recovery, events). */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Recovery every 50 ms with no backoff, so a 202 finishes within a test. */
export const quickRecovery: OrdersModuleOptions = {
  saga: { retryBaseMs: 0, retryMaxMs: 0 },
  recovery: { everyMs: 50 },
};
