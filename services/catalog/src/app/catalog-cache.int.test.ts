import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productUpdated } from '@redemption/contracts';
import {
  createTempDatabase,
  createTestTokens,
  postgresGate,
  redisGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { startCatalog, type CatalogHarness } from '../testing/catalog-harness.ts';

const pg = postgresGate();
const redis = redisGate();
const propagationMs = 10_000;

/** Polls until `fn` returns what `ok` accepts, or the deadline passes; returns the last value. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + propagationMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await fn();
  }
  return v;
}

function twoProcesses(label: string, env: () => Record<string, string>, immediate: boolean): void {
  describe(label, () => {
    let temp: TempDatabase;
    let a: CatalogHarness;
    let b: CatalogHarness;
    beforeAll(async () => {
      temp = await createTempDatabase(pg.url!);
      const tokens = await createTestTokens();
      // A long TTL: only invalidation, never expiry, can make B see a change.
      const e = { CATALOG_CACHE_TTL_S: '3600', ...env() };
      a = await startCatalog({ databaseUrl: temp.url, tokens, env: e });
      b = await startCatalog({ databaseUrl: temp.url, tokens, env: e });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await temp?.drop();
    });

    const price = async (h: CatalogHarness, id: string) =>
      (await h.call('GET', `/api/products/${id}`, null)).body.price as number;
    const listedPrice = async (h: CatalogHarness, id: string) =>
      (
        (await h.call('GET', '/api/products?limit=100', null)).body.items as {
          id: string;
          price: number;
        }[]
      ).find((i) => i.id === id)?.price;

    /**
     * Waits until the catalog.cache group has consumed every catalog event: its handler bumps
     * the generation again, which would drop an entry cached before it (on a loaded machine
     * that can take far longer than any fixed sleep).
     */
    const cacheEventsConsumed = () =>
      eventually(
        async () =>
          (
            await a.platform.db.query<{ left: number }>(
              `SELECT count(*)::int AS left FROM kernel.outbox o WHERE o.topic = 'catalog'
               AND NOT EXISTS (SELECT 1 FROM kernel.inbox i
                               WHERE i.group_name = 'catalog.cache' AND i.event_id = o.id)`,
            )
          ).rows[0]!.left,
        (left) => left === 0,
      );

    it('serves from cache: a change behind its back is not seen (the cache is real)', async () => {
      const p = await a.product({ price: 1000 });
      // Let the create's NOTIFY (LRU path) and its event (both paths) reach B first, or they
      // would drop B's entry below.
      await new Promise((r) => setTimeout(r, 500));
      expect(await cacheEventsConsumed()).toBe(0);
      expect(await price(b, p.id)).toBe(1000);
      await b.platform.db.query('UPDATE catalog.products SET price = 1 WHERE id = $1', [p.id]);
      expect(await price(b, p.id)).toBe(1000);
    });

    it('a price change through one process is seen through the other (item and list)', async () => {
      const p = await a.product({ price: 1000 });
      expect(await price(b, p.id)).toBe(1000);
      expect(await listedPrice(b, p.id)).toBe(1000);
      const {
        id: _i,
        created_at: _c,
        updated_at: _u,
        stock_quantity: _s,
        stock_reserved: _r,
        ...editable
      } = p;
      expect(
        (await a.call('PUT', `/api/products/${p.id}`, a.adminToken, { ...editable, price: 2500 }))
          .status,
      ).toBe(200);
      if (immediate) expect(await price(b, p.id)).toBe(2500);
      expect(
        await eventually(
          () => price(b, p.id),
          (v) => v === 2500,
        ),
      ).toBe(2500);
      expect(
        await eventually(
          () => listedPrice(b, p.id),
          (v) => v === 2500,
        ),
      ).toBe(2500);
    });

    it('stock changes from reservations reach the other process too', async () => {
      const p = await a.product({ stock_quantity: 5 });
      const avail = async () =>
        (await b.call('GET', `/api/products/${p.id}`, null)).body.stock_quantity;
      expect(await avail()).toBe(5);
      await a.call('POST', '/api/inventory/reservations', a.adminToken, {
        reservation_id: `r-${p.id}`,
        items: [{ product_id: p.id, quantity: 2 }],
      });
      expect(await eventually(avail, (v) => v === 3)).toBe(3);
    });
  });
}

describe.skipIf(!pg.url)('catalog cache across two processes (real PostgreSQL)', () => {
  twoProcesses('in-process LRU, invalidated by NOTIFY', () => ({}), false);
  describe.skipIf(!redis.url)('with Redis', () => {
    twoProcesses(
      'shared Redis cache, generation bumped after commit',
      () => ({ REDIS_URL: redis.url! }),
      true,
    );

    it('the change event alone invalidates (a writer that died before bumping)', async () => {
      const temp = await createTempDatabase(pg.url!);
      const h = await startCatalog({
        databaseUrl: temp.url,
        env: { REDIS_URL: redis.url!, CATALOG_CACHE_TTL_S: '3600' },
      });
      try {
        const p = await h.product({ price: 1000 });
        const get = async () => (await h.call('GET', `/api/products/${p.id}`, null)).body.price;
        expect(await get()).toBe(1000);
        // What a writer commits, without the after-commit bump: row change + event.
        await h.platform.db.tx(async (q) => {
          await q.query('UPDATE catalog.products SET price = 3000 WHERE id = $1', [p.id]);
          await h.platform.events.publisher.publish(q, productUpdated, {
            subject: p.id,
            data: {
              product_id: p.id,
              sku: p.sku,
              name: p.name,
              category: null,
              price: 3000,
              currency: 'EUR',
              points_price: null,
            },
          });
        });
        expect(await eventually(get, (v) => v === 3000)).toBe(3000);
      } finally {
        await h.close();
        await temp.drop();
      }
    });
  });
});
