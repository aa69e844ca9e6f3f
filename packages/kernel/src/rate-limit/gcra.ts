/**
 * GCRA (generic cell rate algorithm): pure math, no I/O.
 *
 * State is one number per key, the theoretical arrival time (TAT): the instant at which the
 * bucket would be full again if nothing else arrived. A request of `cost` cells pushes the TAT
 * forward by `cost * emissionIntervalMs`; it is allowed while the TAT stays within
 * `burst * emissionIntervalMs` of now.
 *
 * The Lua script in redis-rate-limiter.ts repeats this math; keep the two in step.
 */

/** A limit: `ratePerPeriod` per `periodMs` sustained, at most `burst` at once. */
export interface RateLimit {
  ratePerPeriod: number;
  periodMs: number;
  burst: number;
}

export interface GcraInput {
  nowMs: number;
  /** Stored TAT, or undefined for a key never seen (or expired). */
  tatMs: number | undefined;
  emissionIntervalMs: number;
  burst: number;
  /** Cells this request uses; 1 unless told. */
  cost?: number;
}

export interface GcraResult {
  allowed: boolean;
  /** The TAT to store (unchanged when refused). */
  newTatMs: number;
  /** 0 when allowed; else ms until this request would be allowed (rounded up). */
  retryAfterMs: number;
  /** Cells still available at once after this request. */
  remaining: number;
  /** ms until the full burst is available again (rounded up). */
  resetMs: number;
}

// Emission intervals such as 1000/3 ms are not exact in floating point; this slack keeps a
// request that lands exactly on the boundary from being refused by a rounding error.
const epsilonMs = 1e-6;

/** Throws unless the limit is usable; returns its emission interval in ms. */
export function emissionIntervalMsOf(limit: RateLimit): number {
  const { ratePerPeriod, periodMs, burst } = limit;
  if (!(Number.isFinite(ratePerPeriod) && ratePerPeriod > 0)) {
    throw new RangeError(
      `rate limit: ratePerPeriod must be a positive number, got ${ratePerPeriod}`,
    );
  }
  if (!(Number.isFinite(periodMs) && periodMs > 0)) {
    throw new RangeError(`rate limit: periodMs must be a positive number, got ${periodMs}`);
  }
  assertBurst(burst);
  return periodMs / ratePerPeriod;
}

function assertBurst(burst: number): void {
  if (!(Number.isSafeInteger(burst) && burst >= 1)) {
    throw new RangeError(`rate limit: burst must be an integer >= 1, got ${burst}`);
  }
}

/** Throws unless cost is an integer in [1, burst]: a larger cost could never be allowed. */
export function assertCost(cost: number, burst: number): void {
  if (!(Number.isSafeInteger(cost) && cost >= 1 && cost <= burst)) {
    throw new RangeError(`rate limit: cost must be an integer in [1, ${burst}], got ${cost}`);
  }
}

export function gcra(input: GcraInput): GcraResult {
  const { nowMs, emissionIntervalMs, burst, cost = 1 } = input;
  if (!(Number.isFinite(emissionIntervalMs) && emissionIntervalMs > 0)) {
    throw new RangeError(`gcra: emissionIntervalMs must be positive, got ${emissionIntervalMs}`);
  }
  assertBurst(burst);
  assertCost(cost, burst);
  // A TAT in the past means a full bucket: the same as no TAT at all.
  const tatMs = Math.max(input.tatMs ?? nowMs, nowMs);
  const toleranceMs = burst * emissionIntervalMs;
  const candidateTatMs = tatMs + cost * emissionIntervalMs;
  const waitMs = candidateTatMs - toleranceMs - nowMs;
  const allowed = waitMs <= epsilonMs;
  const newTatMs = allowed ? candidateTatMs : tatMs;
  const remaining = Math.floor((toleranceMs - (newTatMs - nowMs)) / emissionIntervalMs + epsilonMs);
  return {
    allowed,
    newTatMs,
    retryAfterMs: allowed ? 0 : Math.ceil(waitMs - epsilonMs),
    remaining: Math.max(remaining, 0),
    resetMs: Math.max(Math.ceil(newTatMs - nowMs - epsilonMs), 0),
  };
}
