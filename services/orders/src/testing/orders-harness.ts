import { randomUUID } from 'node:crypto';
import {
  buildPlatform,
  loadPlatformConfig,
  newId,
  type Platform,
  type ServiceModule,
} from '@redemption/kernel';
import { createTestTokens, type TestTokens } from '@redemption/kernel/testing';
import { createOrdersModule, type OrdersModuleOptions } from '../index.ts';

export interface Reply {
  status: number;
  body: Record<string, any>;
  headers: Record<string, unknown>;
}

export interface OrdersHarness {
  platform: Platform;
  tokens: TestTokens;
  adminToken: string;
  /** A member id and token (accounts elsewhere, e.g. loyalty, are the caller's business). */
  member(): Promise<{ id: string; token: string }>;
  /** `key`: Idempotency-Key for writes; a fresh one unless given, none when null. */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    token: string | null,
    payload?: unknown,
    key?: string | null,
  ): Promise<Reply>;
  close(): Promise<void>;
}

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
export async function startOrders(opts: OrdersHarnessOptions): Promise<OrdersHarness> {
  const tokens = opts.tokens ?? (await createTestTokens());
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: [...opts.modules, createOrdersModule(opts.orders)],
    name: 'orders',
    version: 'test',
    jwtKeys: tokens.keys,
  });
  const adminToken = await tokens.sign(newId(), 'admin');

  const call: OrdersHarness['call'] = async (method, url, token, payload, key) => {
    const res = await platform.app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(key === null || method === 'GET' ? {} : { 'idempotency-key': key ?? randomUUID() }),
      },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return {
      status: res.statusCode,
      body: res.body ? (res.json() as Record<string, any>) : {},
      headers: res.headers,
    };
  };

  return {
    platform,
    tokens,
    adminToken,
    call,
    async member() {
      const id = newId();
      return { id, token: await tokens.sign(id, 'member') };
    },
    close: () => platform.close(),
  };
}

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
