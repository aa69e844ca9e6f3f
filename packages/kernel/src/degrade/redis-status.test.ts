import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FallbackRateLimiter } from '../rate-limit/fallback-rate-limiter.ts';
import { MemoryRateLimiter } from '../rate-limit/memory-rate-limiter.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import {
  createRedisStatus,
  RedisSkippedError,
  redisRetryAfterFailureMs,
  transitionLogIntervalMinMs,
} from './redis-status.ts';

function setup() {
  let nowMs = 1_000_000;
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const registry = new Registry();
  const status = createRedisStatus({
    registry,
    clockMs: () => nowMs,
    log: {
      warn: (obj, msg) => lines.push({ level: 'warn', msg, obj: obj as Record<string, unknown> }),
      info: (obj, msg) => lines.push({ level: 'info', msg, obj: obj as Record<string, unknown> }),
    },
  });
  const metric = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels, v.value]);
  return { status, lines, metric, advance: (ms: number) => void (nowMs += ms) };
}
const down = () => Promise.reject(new Error('ECONNREFUSED'));
const up = () => Promise.resolve('ok');

describe('RedisStatus', () => {
  it('degrades on a failure, skips Redis for the back-off, probes, recovers; logs each once', async () => {
    const t = setup();
    expect(await t.metric('redis_degraded')).toEqual([[{}, 0]]);
    await expect(t.status.guard('rate-limit', down)).rejects.toThrow('ECONNREFUSED');
    let calls = 0;
    const counted = () => (calls++, up());
    // In the back-off Redis is not called at all.
    await expect(t.status.guard('rate-limit', counted)).rejects.toThrow(RedisSkippedError);
    expect(calls).toBe(0);
    expect(t.status.degraded()).toBe(true);
    expect(await t.metric('redis_degraded')).toEqual([[{}, 1]]);
    expect(await t.metric('redis_fallbacks_total')).toEqual([[{ component: 'rate-limit' }, 2]]);
    t.advance(redisRetryAfterFailureMs);
    await expect(t.status.guard('rate-limit', down)).rejects.toThrow(); // the probe fails
    t.advance(redisRetryAfterFailureMs);
    expect(await t.status.guard('rate-limit', counted)).toBe('ok');
    expect(calls).toBe(1);
    expect(t.status.degraded()).toBe(false);
    expect(await t.metric('redis_degraded')).toEqual([[{}, 0]]);
    // One line down (the second failure is the same outage), and the recovery held back: it
    // came within the minimum interval of the first.
    expect(t.lines.map((l) => l.level)).toEqual(['warn']);
    t.advance(transitionLogIntervalMinMs);
    await expect(t.status.guard('rate-limit', down)).rejects.toThrow();
    expect(t.lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(t.lines[1]?.obj).toMatchObject({ component: 'rate-limit', unlogged_transitions: 1 });
  });

  it('keeps components apart: the gauge is 1 while any one is degraded', async () => {
    const t = setup();
    await expect(t.status.guard('catalog-cache', down)).rejects.toThrow();
    expect(await t.status.guard('revocations', up)).toBe('ok');
    expect(t.status.degraded()).toBe(true);
  });
});

describe('FallbackRateLimiter', () => {
  const limit = { ratePerPeriod: 2, periodMs: 60_000, burst: 2 };
  const broken: RateLimiter = { hit: down, close: async () => undefined };

  it('counts per process while the shared limiter fails: still refuses past the burst', async () => {
    const t = setup();
    const limiter = new FallbackRateLimiter(broken, t.status, new MemoryRateLimiter());
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await limiter.hit('ip:1', limit)).allowed);
    expect(allowed).toEqual([true, true, false]);
    expect(t.status.degraded()).toBe(true);
  });

  it('throws a bad limit rather than falling back from it', async () => {
    const t = setup();
    const limiter = new FallbackRateLimiter(new MemoryRateLimiter(), t.status);
    await expect(limiter.hit('k', { ...limit, burst: 0 })).rejects.toThrow(RangeError);
    expect(t.status.degraded()).toBe(false);
  });
});
