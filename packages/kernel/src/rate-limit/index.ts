export { emissionIntervalMsOf, gcra } from './gcra.ts';
export type { GcraInput, GcraResult, RateLimit } from './gcra.ts';
export type { RateDecision, RateLimiter } from './rate-limiter.ts';
export { keysMaxDefault, MemoryRateLimiter } from './memory-rate-limiter.ts';
export type { MemoryRateLimiterOptions } from './memory-rate-limiter.ts';
export { connectRedis, createRateLimiter, RedisRateLimiter } from './redis-rate-limiter.ts';
export type {
  RateLimiterChoice,
  RedisRateLimiterOptions,
  RedisScriptClient,
} from './redis-rate-limiter.ts';
export { FallbackRateLimiter, rateLimitComponent } from './fallback-rate-limiter.ts';
export { rateLimitHeaders } from './http-headers.ts';
