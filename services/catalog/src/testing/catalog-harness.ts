import { randomUUID } from 'node:crypto';
import { newId } from '@redemption/kernel';
import { startModule, type ModuleHarness, type TestTokens } from '@redemption/kernel/testing';
import { catalogModule } from '../index.ts';

export interface CatalogHarness extends ModuleHarness {
  memberToken: string;
  /** Creates a product as admin (201 checked); overrides merge over a valid body. */
  product(overrides?: Record<string, unknown>): Promise<Record<string, any>>;
}

/**
 * Catalog alone, as `redemption serve catalog` builds it; tokens minted by a test issuer. Give
 * the same `databaseUrl` (and `tokens`) to two harnesses to stand in for two processes.
 */
export async function startCatalog(
  opts: { databaseUrl?: string; env?: Record<string, string>; tokens?: TestTokens } = {},
): Promise<CatalogHarness> {
  const h = await startModule(catalogModule, opts);
  let n = 0;
  async function product(overrides: Record<string, unknown> = {}) {
    n++;
    const res = await h.call('POST', '/api/products', h.adminToken, {
      sku: `SKU-${randomUUID().slice(0, 8)}-${n}`,
      name: `Product ${n}`,
      price: 1000,
      currency: 'EUR',
      stock_quantity: 10,
      ...overrides,
    });
    if (res.status !== 201)
      throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  return { ...h, memberToken: await h.tokens.sign(newId(), 'member'), product };
}
