import type { App, Logger, RateLimit, RateLimiter } from '@redemption/kernel';
import { rateLimitHeaders, tooManyRequests } from '@redemption/kernel';

export interface LoyaltyRateLimits {
  perMemberPerS: number;
  perIpPerS: number;
}

const secondMs = 1_000;
const burstFactor = 2;

/**
 * GCRA per member and per client IP on every ledger write (in Redis when REDIS_URL is set, so
 * all pods share the budget). If the limiter itself fails (Redis down), requests pass: losing
 * the limit for a moment is better than refusing every redemption.
 */
export function registerLoyaltyRateLimits(
  app: App,
  limiter: RateLimiter,
  limits: LoyaltyRateLimits,
  log: Logger,
): void {
  const perMember: RateLimit = {
    ratePerPeriod: limits.perMemberPerS,
    periodMs: secondMs,
    burst: limits.perMemberPerS * burstFactor,
  };
  const perIp: RateLimit = {
    ratePerPeriod: limits.perIpPerS,
    periodMs: secondMs,
    burst: limits.perIpPerS * burstFactor,
  };
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || !req.routeOptions.url?.startsWith('/api/loyalty/')) return;
    // Other services (checkout) are limited where their own traffic enters, not here.
    if (req.principal?.role === 'service') return;
    const checks: Array<[string, RateLimit, string]> = [[`loyalty:ip:${req.ip}`, perIp, 'ip']];
    // Admins and internal callers act for many members; only members get a per-member budget.
    if (req.principal?.role === 'member')
      checks.unshift([`loyalty:member:${req.principal.id}`, perMember, 'member']);
    for (const [key, limit, policy] of checks) {
      let decision;
      try {
        decision = await limiter.hit(key, limit);
      } catch (err) {
        log.warn({ err }, 'rate limiter unavailable; letting the request through');
        return;
      }
      const headers = rateLimitHeaders(decision, limit, policy);
      if (!decision.allowed)
        throw tooManyRequests(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), headers);
      if (policy === 'member') reply.headers(headers);
    }
  });
}
