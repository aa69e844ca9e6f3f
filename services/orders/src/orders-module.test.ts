import { chargeProcessingMaxMs } from '@redemption/contracts';
import { idempotencyLeaseMs } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import { chargeUnknownWindowMs, retryHorizonMs, sagaOptionsDefault } from './index.ts';

describe("the saga's numbers against payments' processing window", () => {
  it('hold the lease longer than payments may take to answer one charge', () => {
    expect(sagaOptionsDefault.leaseMs).toBeGreaterThan(chargeProcessingMaxMs);
  });

  it('keep asking about an unknown charge for longer than it can stay unknown after a crash', () => {
    expect(chargeUnknownWindowMs).toBe(idempotencyLeaseMs + chargeProcessingMaxMs);
    expect(retryHorizonMs(sagaOptionsDefault)).toBeGreaterThan(chargeUnknownWindowMs);
    expect(retryHorizonMs({ attemptsMax: 8, retryBaseMs: 1_000, retryMaxMs: 300_000 })).toBe(
      127_000,
    );
  });
});
