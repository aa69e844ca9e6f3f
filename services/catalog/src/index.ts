import { catalogEvents } from '@redemption/contracts';
import type { Db, Logger, RedisStatus, ServiceModule } from '@redemption/kernel';
import { Counter } from 'prom-client';
import {
  createCatalogCache,
  memoryBackend,
  redisBackend,
  type CacheBackend,
} from './app/catalog-cache.ts';
import { seedCatalog } from './app/demo-seed.ts';
import { expiryJob } from './app/expiry.job.ts';
import { createInventoryService } from './app/inventory.service.ts';
import { createProductService } from './app/product.service.ts';
import { guardedBackend } from './app/guarded-backend.ts';
import { cacheChannel } from './app/stock-changes.ts';
import { inventoryRoutes } from './http/inventory.routes.ts';
import { productsRoutes } from './http/products.routes.ts';
import { catalogMigrations } from './store/catalog.migrations.ts';
import { catalogConfig } from './catalog.config.ts';

export { catalogMigrations } from './store/catalog.migrations.ts';
export { catalogConfig } from './catalog.config.ts';

const expirySweepEveryMs = 5_000;

/** Catalog: products, categories, search, stock and reservations for checkout. */
export const catalogModule: ServiceModule<typeof catalogConfig> = {
  name: 'catalog',
  migrations: catalogMigrations,
  config: catalogConfig,
  async init(ctx) {
    const { config, db } = ctx;
    const cacheSetup = await openCache(db, config.redisUrl, ctx.log, ctx.redisStatus);
    const lookups = new Counter({
      name: 'catalog_cache_lookups_total',
      help: 'catalog cache lookups by result (hit, miss: loaded from the database, error)',
      labelNames: ['result'],
      registers: [ctx.metrics],
    });
    const cache = createCatalogCache(cacheSetup.backend, config.catalogCacheTtlS, ctx.log, (r) =>
      lookups.inc({ result: r }),
    );
    const products = createProductService({ db, events: ctx.events, cache });
    const inventory = createInventoryService({
      db,
      events: ctx.events,
      reservationTtlS: config.reservationTtlS,
    });
    return {
      async routes(app) {
        await productsRoutes(app, products, ctx.idempotency);
        await inventoryRoutes(app, {
          db,
          svc: inventory,
          idempotency: ctx.idempotency,
          invalidate: () => cache.invalidate(),
        });
      },
      subscriptions: [
        {
          // The catalog's own change events: a write whose process died between commit and
          // its cache bump still invalidates (shared Redis generation). A bump that fails while
          // Redis is down is owed, not retried (guarded-backend.ts). See catalog-cache.ts for
          // the per-process path.
          group: 'catalog.cache',
          topics: ['catalog'],
          definitions: catalogEvents,
          handler: async () => cacheSetup.backend.bump(),
        },
      ],
      // Demo rewards only: a real catalog is the operator's, not ours to fill.
      seed: async ({ demo }) => (demo ? seedCatalog(db, products) : []),
      jobs: [expiryJob(inventory, cache, ctx.log, expirySweepEveryMs)],
      async close() {
        await cacheSetup.stopListening();
        await cache.close();
      },
    };
  },
};

/**
 * Redis when configured (one cache for every process), else an LRU per process that LISTENs
 * for the NOTIFY every catalog write sends, so each process drops its own entries.
 */
async function openCache(
  db: Db,
  redisUrl: string | undefined,
  log: Logger,
  status: RedisStatus,
): Promise<{ backend: CacheBackend; stopListening: () => Promise<void> }> {
  if (redisUrl) {
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    const redis = await redisBackend(redisUrl, `catalog:${rows[0]?.name ?? 'db'}:`, log);
    return { backend: guardedBackend(redis, status), stopListening: async () => undefined };
  }
  const backend = memoryBackend();
  // Bumped on reconnection too: a write's notice sent while the connection was lost was missed.
  const bump = () => void backend.bump();
  const stopListening = await db.listen(cacheChannel, bump, bump);
  return { backend, stopListening };
}
