import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

describe('loyalty rate limits and metrics (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    h = await startLoyalty({ env: { LOYALTY_RATE_PER_MEMBER_PER_S: '2' } });
  });
  afterAll(async () => h?.close());

  it('limits a member to their rate with 429, Retry-After and RateLimit headers', async () => {
    const m = await h.member(1_000);
    const results = [];
    for (let i = 0; i < 8; i++)
      results.push(await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 1 }));
    const refused = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(String(refused[0]!.headers['ratelimit'])).toMatch(/^"member";r=0;t=\d+$/);
    expect(refused[0]!.body.type).toBe('/problems/rate-limited');
  });

  it('exports operations by kind and outcome, batch sizes and queue depth', async () => {
    const m = await h.member(10);
    await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 11 });
    const text = (await h.platform.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/ledger_operations_total\{kind="redeem",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(
      /ledger_operations_total\{kind="redeem",outcome="insufficient-points"\} 1/,
    );
    expect(text).toMatch(/ledger_batch_size_count [1-9]/);
    expect(text).toMatch(/ledger_queue_depth 0/);
  });
});
