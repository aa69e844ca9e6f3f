import { Registry } from 'prom-client';
import { createRedisStatus } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import { memoryBackend, type CacheBackend } from './catalog-cache.ts';
import { guardedBackend } from './guarded-backend.ts';

const quiet = { warn: () => undefined, info: () => undefined };

/** A memory backend that can be switched off, standing for Redis going down and back. */
function switchable() {
  const inner = memoryBackend();
  let up = true;
  const gate =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A) =>
      up ? fn(...a) : Promise.reject(new Error('ECONNREFUSED'));
  const backend: CacheBackend = {
    read: gate(inner.read),
    write: gate(inner.write),
    bump: gate(inner.bump),
    close: inner.close,
  };
  return { backend, inner, setUp: (v: boolean) => void (up = v) };
}

describe('guardedBackend (catalog cache behind the Redis status)', () => {
  it('does not throw a failed bump (no dead letters), and pays it before the next read', async () => {
    let nowMs = 0;
    const status = createRedisStatus({
      registry: new Registry(),
      log: quiet,
      clockMs: () => nowMs,
    });
    const s = switchable();
    const cache = guardedBackend(s.backend, status);
    s.setUp(false);
    await expect(cache.bump()).resolves.toBeUndefined(); // owed
    expect(status.degraded()).toBe(true);
    s.setUp(true);
    nowMs += 1_000; // past the back-off
    expect(s.inner.generation()).toBe(0);
    await cache.read('k');
    expect(s.inner.generation()).toBe(1); // paid first
    expect(status.degraded()).toBe(false);
    await cache.read('k');
    expect(s.inner.generation()).toBe(1); // once
  });
});
