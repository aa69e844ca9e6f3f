import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createClient } from 'redis';
import type { Logger } from '@redemption/kernel';

/**
 * Read-through cache for product views and list pages.
 *
 * Invalidation is by generation, not by key: every entry is stored with the generation that was
 * current BEFORE its value was read from the database, and is served only while that generation
 * is still current. A write bumps the generation after it commits, so
 *  - every cached product and page is dropped at once (a price shows up in lists too);
 *  - a reader that loaded the old row just before the write and stores it just after stores it
 *    under the old generation, where nobody reads it (no stale refill race).
 *
 * Redis (REDIS_URL): the generation is one Redis counter shared by every process, read in the
 * same MGET as the entry; the writer INCRs it after commit, and the catalog's own change events
 * (consumed once per group) INCR it again, covering a writer that died between commit and INCR.
 *
 * In-process LRU: each process has its own counter. Writers send pg_notify in the write's
 * transaction (delivered at commit) and every process LISTENs and bumps; a consumer group
 * would reach only one process, so events alone could not do this. If a LISTEN connection
 * drops, entries still die after the TTL, the bound on staleness in every failure case.
 */
export interface CatalogCache {
  through<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Bumps the generation; logs rather than throws (the write it follows has committed). */
  invalidate(): Promise<void>;
  close(): Promise<void>;
}

export interface CacheBackend {
  /** The current generation and the raw entry under `key`, read together. */
  read(key: string): Promise<{ gen: string; entry: string | undefined }>;
  write(key: string, entry: string, ttlS: number): Promise<void>;
  bump(): Promise<void>;
  close(): Promise<void>;
}

const lruEntriesMax = 10_000;
const redisConnectTimeoutMs = 2_000;
const redisReconnectDelayMaxMs = 2_000;

/** Short stable key for a list query (its normalized JSON). */
export const listKey = (query: unknown): string =>
  'list:' + createHash('sha256').update(JSON.stringify(query)).digest('base64url');
export const productKey = (id: string): string => `product:${id}`;

/** How a lookup went: served from the cache, loaded (absent or stale), or the cache failed. */
export type CacheLookup = 'hit' | 'miss' | 'error';

export function createCatalogCache(
  backend: CacheBackend,
  ttlS: number,
  log: Logger,
  onLookup: (result: CacheLookup) => void = () => {},
): CatalogCache {
  return {
    async through<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
      let gen: string | undefined;
      try {
        const hit = await backend.read(key);
        gen = hit.gen;
        if (hit.entry !== undefined) {
          const parsed = JSON.parse(hit.entry) as { g: string; v: T };
          if (parsed.g === gen) {
            onLookup('hit');
            return parsed.v;
          }
        }
        onLookup('miss');
      } catch (err) {
        // A cache outage degrades to reading the database; it never fails the request. Logged
        // at debug: the kernel's Redis status logs the outage once (decision 023).
        log.debug({ err }, 'catalog cache read failed');
        onLookup('error');
      }
      const value = await load();
      if (value !== undefined && gen !== undefined) {
        await backend
          .write(key, JSON.stringify({ g: gen, v: value }), ttlS)
          .catch((err: unknown) => log.debug({ err }, 'catalog cache write failed'));
      }
      return value;
    },
    async invalidate() {
      // After commit: a failure here must not fail the request that already wrote; the change
      // event's consumer bumps again, and the TTL bounds staleness if both fail.
      await backend.bump().catch((err: unknown) => log.warn({ err }, 'catalog cache bump failed'));
    },
    close: () => backend.close(),
  };
}

export function memoryBackend(): CacheBackend & { generation(): number } {
  let gen = 0;
  const lru = new LRUCache<string, string>({ max: lruEntriesMax, ttlAutopurge: false });
  return {
    async read(key) {
      return { gen: String(gen), entry: lru.get(key) };
    },
    async write(key, entry, ttlS) {
      lru.set(key, entry, { ttl: ttlS * 1000 });
    },
    async bump() {
      gen++;
      lru.clear();
    },
    async close() {
      lru.clear();
    },
    generation: () => gen,
  };
}

/** Redis backend; keys are prefixed per database so deployments sharing a Redis stay apart. */
export async function redisBackend(
  url: string,
  prefix: string,
  log: Logger,
): Promise<CacheBackend> {
  let connected = false;
  const client = createClient({
    url,
    // Fail fast while Redis is down (the request reads the database) rather than queue commands.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: redisConnectTimeoutMs,
      reconnectStrategy: (retries, cause) =>
        connected ? Math.min(50 * 2 ** retries, redisReconnectDelayMaxMs) : cause,
    },
  });
  client.on('error', (err: Error) => log.debug({ err }, 'catalog cache redis error'));
  await client.connect();
  connected = true;
  const genKey = `${prefix}gen`;
  return {
    async read(key) {
      const [gen, entry] = await client.mGet([genKey, prefix + key]);
      return { gen: gen ?? '0', entry: entry ?? undefined };
    },
    async write(key, entry, ttlS) {
      await client.set(prefix + key, entry, { expiration: { type: 'EX', value: ttlS } });
    },
    async bump() {
      await client.incr(genKey);
    },
    close: () => client.close(),
  };
}
