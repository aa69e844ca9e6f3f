import type { RedisStatus } from '../degrade/redis-status.ts';
import { assertCost, emissionIntervalMsOf, type RateLimit } from './gcra.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

/** The component name in `redis_fallbacks_total` and the log. */
export const rateLimitComponent = 'rate-limit';

/**
 * The shared (Redis) limiter while Redis answers; a per-process in-memory one while it does not
 * (decision 023). The per-process limiter applies each limit as it is, not divided by a guessed
 * number of pods: with N pods a client may get up to N times its budget for the outage, which
 * these limits (abuse guards and ledger backpressure, not quotas anyone pays for) can bear,
 * whereas dividing would refuse honest members of a one-process deployment.
 */
export class FallbackRateLimiter implements RateLimiter {
  readonly #shared: RateLimiter;
  readonly #local: MemoryRateLimiter;
  readonly #status: RedisStatus;

  constructor(shared: RateLimiter, status: RedisStatus, local = new MemoryRateLimiter()) {
    this.#shared = shared;
    this.#status = status;
    this.#local = local;
  }

  async hit(key: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    // A bad limit is a bug, not an outage: thrown here, never "fallen back" from.
    emissionIntervalMsOf(limit);
    assertCost(cost, limit.burst);
    try {
      return await this.#status.guard(rateLimitComponent, () => this.#shared.hit(key, limit, cost));
    } catch {
      return this.#local.hit(key, limit, cost);
    }
  }

  async close(): Promise<void> {
    await this.#shared.close();
    await this.#local.close();
  }
}
