import { assertCost, emissionIntervalMsOf, gcra, type RateLimit } from './gcra.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

/** Default cap on tracked keys, so memory stays bounded (some MB) whatever the traffic. */
export const keysMaxDefault = 100_000;

export interface MemoryRateLimiterOptions {
  keysMax?: number;
  /** Current time in ms; injectable so tests need no real waiting. */
  clockMs?: () => number;
}

/**
 * In-process GCRA limiter: one TAT per key in a Map. Counts per process only, so with several
 * pods each grants the full budget; use the Redis limiter there.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #tatMsByKey = new Map<string, number>();
  readonly #keysMax: number;
  readonly #clockMs: () => number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    const keysMax = options.keysMax ?? keysMaxDefault;
    if (!(Number.isSafeInteger(keysMax) && keysMax >= 1)) {
      throw new RangeError(`keysMax must be an integer >= 1, got ${keysMax}`);
    }
    this.#keysMax = keysMax;
    this.#clockMs = options.clockMs ?? Date.now;
  }

  /** Number of keys tracked (for tests and metrics). */
  get size(): number {
    return this.#tatMsByKey.size;
  }

  async hit(key: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    const emissionIntervalMs = emissionIntervalMsOf(limit);
    assertCost(cost, limit.burst);
    const nowMs = this.#clockMs();
    const tatMs = this.#tatMsByKey.get(key);
    const result = gcra({ nowMs, tatMs, emissionIntervalMs, burst: limit.burst, cost });
    if (tatMs === undefined) this.#makeRoom(nowMs);
    // Delete then set moves the key to the end: Map order is then least recently used first.
    this.#tatMsByKey.delete(key);
    this.#tatMsByKey.set(key, result.newTatMs);
    const { allowed, remaining, retryAfterMs, resetMs } = result;
    return { allowed, remaining, retryAfterMs, resetMs, limit: limit.burst };
  }

  async close(): Promise<void> {
    this.#tatMsByKey.clear();
  }

  /**
   * Called before adding a key. Expired entries (TAT passed: bucket full again) carry no state,
   * so dropping them changes no decision. If every key is live, we evict the least recently used
   * rather than refuse new keys: refusing would let anyone holding many keys (e.g. many IPs)
   * lock out every newcomer, while eviction at worst gives an idle key a fresh burst. We evict a
   * batch (1%) so the O(n) sweep runs once per batch of new keys, not on every new key.
   */
  #makeRoom(nowMs: number): void {
    if (this.#tatMsByKey.size < this.#keysMax) return;
    for (const [key, tatMs] of this.#tatMsByKey) {
      if (tatMs <= nowMs) this.#tatMsByKey.delete(key);
    }
    const sizeTarget = this.#keysMax - Math.max(1, Math.floor(this.#keysMax / 100));
    for (const key of this.#tatMsByKey.keys()) {
      if (this.#tatMsByKey.size <= sizeTarget) break;
      this.#tatMsByKey.delete(key);
    }
  }
}
