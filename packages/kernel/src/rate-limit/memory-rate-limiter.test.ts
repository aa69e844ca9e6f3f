import { describe, expect, it } from 'vitest';
import type { RateLimit } from './gcra.ts';
import { rateLimitHeaders } from './http-headers.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';

const limit: RateLimit = { ratePerPeriod: 10, periodMs: 10_000, burst: 2 }; // 1 per second

function fakeClock(): { clockMs: () => number; advance: (ms: number) => void } {
  let nowMs = 1_000_000;
  return { clockMs: () => nowMs, advance: (ms) => void (nowMs += ms) };
}

describe('MemoryRateLimiter', () => {
  it('applies GCRA with the injected clock', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ clockMs: clock.clockMs });
    expect(await limiter.hit('a', limit)).toEqual({
      allowed: true,
      remaining: 1,
      retryAfterMs: 0,
      resetMs: 1_000,
      limit: 2,
    });
    expect((await limiter.hit('a', limit)).allowed).toBe(true);
    const refused = await limiter.hit('a', limit);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 1_000, remaining: 0 });
    clock.advance(1_000);
    expect((await limiter.hit('a', limit)).allowed).toBe(true);
  });

  it('keeps keys independent', async () => {
    const limiter = new MemoryRateLimiter({ clockMs: fakeClock().clockMs });
    await limiter.hit('a', limit);
    await limiter.hit('a', limit);
    expect((await limiter.hit('a', limit)).allowed).toBe(false);
    expect((await limiter.hit('b', limit)).allowed).toBe(true);
  });

  it('evicts expired keys first when full', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ keysMax: 3, clockMs: clock.clockMs });
    await limiter.hit('old', limit); // TAT = now + 1 s
    clock.advance(500);
    await limiter.hit('live1', { ...limit, burst: 1 }); // TAT = now + 1 s
    await limiter.hit('live2', { ...limit, burst: 1 });
    clock.advance(600); // 'old' has expired, the others have not
    await limiter.hit('new', limit);
    expect(limiter.size).toBe(3);
    // live1 kept its state: still refused.
    expect((await limiter.hit('live1', { ...limit, burst: 1 })).allowed).toBe(false);
  });

  it('evicts the least recently used key when full of live keys', async () => {
    const limiter = new MemoryRateLimiter({ keysMax: 3, clockMs: fakeClock().clockMs });
    const one: RateLimit = { ...limit, burst: 1 };
    for (const key of ['a', 'b', 'c']) await limiter.hit(key, one);
    await limiter.hit('a', one); // refused, but touches 'a': 'b' is now the oldest
    await limiter.hit('d', one);
    expect(limiter.size).toBe(3);
    expect((await limiter.hit('a', one)).allowed).toBe(false); // kept
    expect((await limiter.hit('b', one)).allowed).toBe(true); // evicted, so a fresh budget
  });

  it('rejects an invalid limit or cost', async () => {
    const limiter = new MemoryRateLimiter();
    await expect(limiter.hit('a', { ...limit, burst: 0 })).rejects.toThrow(RangeError);
    await expect(limiter.hit('a', limit, 3)).rejects.toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ keysMax: 0 })).toThrow(RangeError);
  });
});

describe('rateLimitHeaders', () => {
  const policy: RateLimit = { ratePerPeriod: 10, periodMs: 60_000, burst: 10 };

  it('describes an allowed hit', () => {
    const decision = { allowed: true, remaining: 3, retryAfterMs: 0, resetMs: 11_200, limit: 10 };
    expect(rateLimitHeaders(decision, policy)).toEqual({
      'RateLimit-Policy': '"default";q=10;w=60',
      RateLimit: '"default";r=3;t=12',
    });
  });

  it('adds Retry-After in whole seconds, at least 1, when refused', () => {
    const decision = { allowed: false, remaining: 0, retryAfterMs: 20, resetMs: 60_000, limit: 10 };
    const headers = rateLimitHeaders(decision, policy, 'login');
    expect(headers['Retry-After']).toBe('1');
    expect(headers['RateLimit']).toBe('"login";r=0;t=60');
    expect(rateLimitHeaders({ ...decision, retryAfterMs: 5_001 }, policy)['Retry-After']).toBe('6');
  });

  it('refuses a policy name that would break the structured field', () => {
    const decision = { allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 0, limit: 1 };
    expect(() => rateLimitHeaders(decision, policy, 'a"b')).toThrow(RangeError);
  });
});
