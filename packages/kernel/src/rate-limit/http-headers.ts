import type { RateDecision } from './rate-limiter.ts';
import type { RateLimit } from './gcra.ts';

/**
 * Response headers per the IETF "RateLimit header fields for HTTP" draft, plus Retry-After
 * when refused. The policy's quota is the burst and its window the time to refill it, so
 * `q`/`w` describe the same bucket that `r`/`t` report on.
 */
export function rateLimitHeaders(
  decision: RateDecision,
  limit: RateLimit,
  policyName = 'default',
): Record<string, string> {
  if (!/^[\w.-]+$/.test(policyName)) throw new RangeError(`bad policy name: ${policyName}`);
  const windowSeconds = Math.ceil((limit.burst * limit.periodMs) / limit.ratePerPeriod / 1000);
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${policyName}";q=${decision.limit};w=${windowSeconds}`,
    RateLimit: `"${policyName}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  };
  if (!decision.allowed) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }
  return headers;
}
