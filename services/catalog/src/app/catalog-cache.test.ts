import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  createCatalogCache,
  memoryBackend,
  type CacheBackend,
  type CacheLookup,
} from './catalog-cache.ts';

const log = pino({ level: 'silent' });

describe('catalog cache lookups (catalog_cache_lookups_total)', () => {
  it('reports a miss, then hits, then a miss after an invalidation', async () => {
    const seen: CacheLookup[] = [];
    const cache = createCatalogCache(memoryBackend(), 60, log, (r) => seen.push(r));
    const load = async () => ({ id: 'p1' });
    await cache.through('k', load);
    await cache.through('k', load);
    await cache.through('k', load);
    await cache.invalidate();
    await cache.through('k', load);
    expect(seen).toEqual(['miss', 'hit', 'hit', 'miss']);
  });

  it('reports an error when the backend fails, and still answers from the loader', async () => {
    const broken: CacheBackend = {
      ...memoryBackend(),
      read: async () => Promise.reject(new Error('redis down')),
    };
    const seen: CacheLookup[] = [];
    const cache = createCatalogCache(broken, 60, log, (r) => seen.push(r));
    expect(await cache.through('k', async () => 42)).toBe(42);
    expect(seen).toEqual(['error']);
  });
});
