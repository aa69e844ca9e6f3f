import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisGate } from '../testing/services.ts';
import type { RateLimit } from './gcra.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import {
  createRateLimiter,
  RedisRateLimiter,
  type RedisScriptClient,
} from './redis-rate-limiter.ts';
import type { RateLimiter } from './rate-limiter.ts';

const gate = redisGate();
// Random per run, so parallel or repeated runs against one server never share a budget.
const runPrefix = `test:${randomUUID()}:`;
const minute: RateLimit = { ratePerPeriod: 10, periodMs: 60_000, burst: 10 };

describe.skipIf(!gate.url)(`RedisRateLimiter ${gate.reason}`, () => {
  const url = gate.url ?? '';
  let podA: RateLimiter;
  let podB: RateLimiter;

  beforeAll(async () => {
    podA = await createRateLimiter({ redisUrl: url });
    podB = await createRateLimiter({ redisUrl: url });
  });

  afterAll(async () => {
    await podA?.close();
    await podB?.close();
  });

  it('allows the burst, then refuses with a retryAfter', async () => {
    const key = `${runPrefix}burst`;
    const limit: RateLimit = { ratePerPeriod: 3, periodMs: 60_000, burst: 3 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await podA.hit(key, limit));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    const refused = decisions[3];
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(refused?.limit).toBe(3);
  });

  it('shares one budget between two limiters on separate clients', async () => {
    const key = `${runPrefix}shared`;
    const limit: RateLimit = { ratePerPeriod: 4, periodMs: 60_000, burst: 4 };
    const allowed = [];
    for (let i = 0; i < 3; i++) {
      allowed.push((await podA.hit(key, limit)).allowed, (await podB.hit(key, limit)).allowed);
    }
    expect(allowed).toEqual([true, true, true, true, false, false]);
  });

  it('is atomic: of 50 concurrent hits with burst 10, exactly 10 pass', async () => {
    const key = `${runPrefix}concurrent`;
    const hits = Array.from({ length: 50 }, (_, i) => (i % 2 ? podA : podB).hit(key, minute));
    const decisions = await Promise.all(hits);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it('sets a TTL of the time until the TAT, under the rl: prefix', async () => {
    const key = `${runPrefix}ttl`;
    const client = createClient({ url });
    await client.connect();
    try {
      const limiter = new RedisRateLimiter(client);
      await limiter.hit(key, minute, 2); // TAT = now + 12 s
      const ttlMs = await client.pTTL(`rl:${key}`);
      expect(ttlMs).toBeGreaterThan(11_000);
      expect(ttlMs).toBeLessThanOrEqual(12_000);
      await limiter.close(); // not its client: must stay open
      expect(client.isOpen).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('falls back to EVAL when the server lacks the script (NOSCRIPT)', async () => {
    const client = createClient({ url });
    await client.connect();
    try {
      let evalShaCalls = 0;
      // Like a fresh replica after failover: its script cache is empty. No SCRIPT FLUSH, which
      // would disturb anyone else using this server.
      const forgetful: RedisScriptClient = {
        evalSha: async () => {
          evalShaCalls++;
          throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        },
        eval: (script, options) => client.eval(script, options),
      };
      const decision = await new RedisRateLimiter(forgetful).hit(`${runPrefix}noscript`, minute);
      expect(decision).toMatchObject({ allowed: true, remaining: 9 });
      expect(evalShaCalls).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe('createRateLimiter', () => {
  it('returns the in-memory limiter without a URL', async () => {
    const limiter = await createRateLimiter({});
    expect(limiter).toBeInstanceOf(MemoryRateLimiter);
    await limiter.close();
  });

  it('rejects, rather than retrying forever, when Redis is unreachable at startup', async () => {
    await expect(createRateLimiter({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow();
  });
});
