import type { RateLimiter } from '@redemption/kernel';
import { rateLimitHeaders, tooManyRequests } from '@redemption/kernel';

export interface LoginThrottle {
  /** Throws 429 when this IP or this account has tried too often. */
  check(ip: string, normalizedLogin: string): Promise<void>;
}

const minuteMs = 60_000;
const quarterHourMs = 15 * minuteMs;

/**
 * Login throttling per client IP and per account (GCRA). Counted per attempt, before the
 * password is checked, so guessing costs the attacker time whether or not it succeeds.
 * In Redis when REDIS_URL is set, so every pod shares the budget.
 */
export function createLoginThrottle(
  limiter: RateLimiter,
  perIpPerMin: number,
  perAccountPer15Min: number,
): LoginThrottle {
  const ipLimit = { ratePerPeriod: perIpPerMin, periodMs: minuteMs, burst: perIpPerMin };
  const accountLimit = {
    ratePerPeriod: perAccountPer15Min,
    periodMs: quarterHourMs,
    burst: perAccountPer15Min,
  };
  return {
    async check(ip, login) {
      const byIp = await limiter.hit(`login:ip:${ip}`, ipLimit);
      if (!byIp.allowed) throw refused(byIp, ipLimit);
      const byAccount = await limiter.hit(`login:account:${login}`, accountLimit);
      if (!byAccount.allowed) throw refused(byAccount, accountLimit);
    },
  };
}

function refused(
  decision: Parameters<typeof rateLimitHeaders>[0],
  limit: Parameters<typeof rateLimitHeaders>[1],
) {
  const headers = rateLimitHeaders(decision, limit, 'login');
  return tooManyRequests(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), headers);
}
