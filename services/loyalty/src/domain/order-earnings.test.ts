import { describe, expect, it } from 'vitest';
import { keptBasePoints, releaseAt, returnWindowDaysMax } from './order-earnings.ts';

describe('order earnings rules', () => {
  it('earns on the cash kept, rounded down, and nothing once all is refunded', () => {
    const e = { cashAmount: 10_000, basePoints: 1_000 };
    expect(keptBasePoints({ ...e, refundedCash: 0 })).toBe(1_000);
    expect(keptBasePoints({ ...e, refundedCash: 3_333 })).toBe(666); // 666.7 rounds down
    expect(keptBasePoints({ ...e, refundedCash: 10_000 })).toBe(0);
  });

  it('stays exact where base × cash passes 2^53', () => {
    const big = { cashAmount: 100_000_000_000, basePoints: 10_000_000_000 };
    expect(keptBasePoints({ ...big, refundedCash: 1 })).toBe(9_999_999_999);
  });

  it('refuses amounts no order can have', () => {
    expect(() => keptBasePoints({ cashAmount: 0, refundedCash: 0, basePoints: 1 })).toThrow();
    expect(() => keptBasePoints({ cashAmount: 5, refundedCash: 6, basePoints: 1 })).toThrow();
  });

  it('releases the return window after delivery, capped', () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    expect(releaseAt(at, 0).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(releaseAt(at, 14).toISOString()).toBe('2026-12-15T10:00:00.000Z');
    expect(releaseAt(at, 10_000).getTime() - at.getTime()).toBe(returnWindowDaysMax * 86_400_000);
    expect(() => releaseAt(at, 1.5)).toThrow();
    expect(() => releaseAt(at, -1)).toThrow();
  });
});
