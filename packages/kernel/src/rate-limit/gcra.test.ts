import { describe, expect, it } from 'vitest';
import { emissionIntervalMsOf, gcra, type GcraResult } from './gcra.ts';

const emissionIntervalMs = 1_000; // 60 per minute
const burst = 3;

/** Runs hits at the given times from an empty state, threading the TAT. */
function run(times: number[], cost = 1): GcraResult[] {
  let tatMs: number | undefined;
  return times.map((nowMs) => {
    const r = gcra({ nowMs, tatMs, emissionIntervalMs, burst, cost });
    tatMs = r.newTatMs;
    return r;
  });
}

describe('gcra', () => {
  it('allows the burst at once, then refuses', () => {
    const results = run([0, 0, 0, 0]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[2]?.resetMs).toBe(3_000);
  });

  it('refills one cell after one emission interval', () => {
    const results = run([0, 0, 0, 999, 1_000, 1_000]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, true, false]);
    expect(results[4]?.remaining).toBe(0);
  });

  it('gives the exact retryAfter, and a refused hit uses nothing', () => {
    const results = run([0, 0, 0, 250]);
    const refused = results[3];
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 750, newTatMs: 3_000 });
    expect(run([0, 0, 0, 250, 1_000])[4]?.allowed).toBe(true);
  });

  it('counts a cost above 1 as that many cells', () => {
    const first = gcra({ nowMs: 0, tatMs: undefined, emissionIntervalMs, burst, cost: 2 });
    expect(first).toMatchObject({ allowed: true, remaining: 1, newTatMs: 2_000 });
    const second = gcra({ nowMs: 0, tatMs: first.newTatMs, emissionIntervalMs, burst, cost: 2 });
    expect(second).toMatchObject({ allowed: false, remaining: 1, retryAfterMs: 1_000 });
  });

  it('treats a TAT in the past as a full bucket', () => {
    const r = gcra({ nowMs: 10_000, tatMs: 500, emissionIntervalMs, burst });
    expect(r).toMatchObject({ allowed: true, remaining: 2, newTatMs: 11_000, resetMs: 1_000 });
  });

  it('is not thrown off by inexact emission intervals', () => {
    const third = emissionIntervalMsOf({ ratePerPeriod: 3, periodMs: 1_000, burst: 3 });
    let tatMs: number | undefined;
    const allowed = [0, 0, 0, 0].map(() => {
      const r = gcra({ nowMs: 0, tatMs, emissionIntervalMs: third, burst: 3 });
      tatMs = r.newTatMs;
      return r.allowed;
    });
    expect(allowed).toEqual([true, true, true, false]);
  });

  it('throws on invalid limits and costs', () => {
    expect(emissionIntervalMsOf({ ratePerPeriod: 10, periodMs: 60_000, burst: 1 })).toBe(6_000);
    const bad = [
      { ratePerPeriod: 0, periodMs: 1_000, burst: 1 },
      { ratePerPeriod: -1, periodMs: 1_000, burst: 1 },
      { ratePerPeriod: 1, periodMs: 0, burst: 1 },
      { ratePerPeriod: 1, periodMs: Number.NaN, burst: 1 },
      { ratePerPeriod: 1, periodMs: 1_000, burst: 0 },
      { ratePerPeriod: 1, periodMs: 1_000, burst: 1.5 },
    ];
    for (const limit of bad) expect(() => emissionIntervalMsOf(limit)).toThrow(RangeError);
    const base = { nowMs: 0, tatMs: undefined, emissionIntervalMs, burst };
    expect(() => gcra({ ...base, burst: 0 })).toThrow(RangeError);
    expect(() => gcra({ ...base, emissionIntervalMs: 0 })).toThrow(RangeError);
    expect(() => gcra({ ...base, cost: 0 })).toThrow(RangeError);
    expect(() => gcra({ ...base, cost: burst + 1 })).toThrow(RangeError);
  });
});
