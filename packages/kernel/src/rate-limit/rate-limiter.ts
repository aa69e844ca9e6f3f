import type { RateLimit } from './gcra.ts';

/** The outcome of one `hit`. Times are ms from now, rounded up. */
export interface RateDecision {
  allowed: boolean;
  /** Requests still allowed at once after this one. */
  remaining: number;
  /** 0 when allowed; else how long to wait before retrying. */
  retryAfterMs: number;
  /** How long until the full burst is available again. */
  resetMs: number;
  /** The burst of the limit applied. */
  limit: number;
}

export interface RateLimiter {
  /** Counts `cost` (default 1) against `key` under `limit`; refused hits use nothing. */
  hit(key: string, limit: RateLimit, cost?: number): Promise<RateDecision>;
  close(): Promise<void>;
}
