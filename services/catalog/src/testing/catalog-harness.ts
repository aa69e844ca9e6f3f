import { randomUUID } from 'node:crypto';
import { buildPlatform, loadPlatformConfig, newId, type Platform } from '@redemption/kernel';
import { createTestTokens, type TestTokens } from '@redemption/kernel/testing';
import { catalogModule } from '../index.ts';

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Idempotency-Key; a fresh one for non-GET calls unless null. */
  key?: string | null;
  headers?: Record<string, string>;
}
export interface Reply {
  status: number;
  body: Record<string, any>;
  headers: Record<string, unknown>;
}

export interface CatalogHarness {
  platform: Platform;
  tokens: TestTokens;
  adminToken: string;
  memberToken: string;
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    o?: CallOptions,
  ): Promise<Reply>;
  /** Creates a product as admin (201 checked); overrides merge over a valid body. */
  product(overrides?: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/**
 * Catalog alone, as `redemption serve catalog` builds it; tokens minted by a test issuer. Give
 * the same `databaseUrl` (and `tokens`) to two harnesses to stand in for two processes.
 */
export async function startCatalog(
  opts: { databaseUrl?: string; env?: Record<string, string>; tokens?: TestTokens } = {},
): Promise<CatalogHarness> {
  const tokens = opts.tokens ?? (await createTestTokens());
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: [catalogModule],
    name: 'catalog',
    version: 'test',
    jwtKeys: tokens.keys,
  });
  const adminToken = await tokens.sign(newId(), 'admin');
  const memberToken = await tokens.sign(newId(), 'member');

  const call: CatalogHarness['call'] = async (method, url, o = {}) => {
    const token = o.token === undefined ? adminToken : o.token;
    const res = await platform.app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(o.key === null || method === 'GET' ? {} : { 'idempotency-key': o.key ?? randomUUID() }),
        ...o.headers,
      },
      ...(o.body === undefined ? {} : { payload: o.body as object }),
    });
    return {
      status: res.statusCode,
      body: res.body ? (res.json() as Record<string, any>) : {},
      headers: res.headers,
    };
  };

  let n = 0;
  async function product(overrides: Record<string, unknown> = {}) {
    n++;
    const res = await call('POST', '/api/products', {
      body: {
        sku: `SKU-${randomUUID().slice(0, 8)}-${n}`,
        name: `Product ${n}`,
        price: 1000,
        currency: 'EUR',
        stock_quantity: 10,
        ...overrides,
      },
    });
    if (res.status !== 201)
      throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  return {
    platform,
    tokens,
    adminToken,
    memberToken,
    call,
    product,
    close: () => platform.close(),
  };
}
