import type { RedisStatus } from '@redemption/kernel';
import type { CacheBackend } from './catalog-cache.ts';

/** The component name in `redis_fallbacks_total` and the log. */
export const catalogCacheComponent = 'catalog-cache';

/**
 * The Redis backend behind the process's Redis status (decision 023): while Redis fails, its
 * calls reject at once (after one timeout at most), so `createCatalogCache` reads the database;
 * the status raises `redis_degraded` and logs once per transition rather than once per request.
 *
 * A generation bump that fails (a write's, or the catalog.cache consumer's) is owed: paid before
 * the next read that reaches Redis, since entries cached before the outage may be stale by then.
 * The consumer does not throw for it, so an outage does not send every catalog event of its
 * duration to the dead letters.
 */
export function guardedBackend(backend: CacheBackend, status: RedisStatus): CacheBackend {
  let bumpOwed = false;
  const guard = <T>(call: () => Promise<T>) => status.guard(catalogCacheComponent, call);
  const bump = async (): Promise<void> => {
    try {
      await guard(() => backend.bump());
      bumpOwed = false;
    } catch {
      bumpOwed = true;
    }
  };
  return {
    async read(key) {
      if (bumpOwed) {
        await bump();
        if (bumpOwed) throw new Error('catalog cache: Redis unavailable (a bump is owed)');
      }
      return guard(() => backend.read(key));
    },
    write: (key, entry, ttlS) => guard(() => backend.write(key, entry, ttlS)),
    bump,
    close: () => backend.close(),
  };
}
