import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

let h: LoyaltyHarness;
beforeAll(async () => {
  h = await startLoyalty();
}, 60_000);
afterAll(async () => h?.close());

const gauge = async (name: string): Promise<number | undefined> =>
  (await h.platform.app.metricsRegistry.getSingleMetric(name)!.get()).values[0]?.value;

describe('liability metrics', () => {
  it("report members' points, open holds and points held, read from the ledger", async () => {
    const before = (await gauge('loyalty_points_outstanding')) ?? 0;
    const m = await h.member(500);
    expect(await gauge('loyalty_points_outstanding')).toBe(before + 500);
    const hold = await h.call('POST', '/api/loyalty/holds', m.token, { points: 120 });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect(await gauge('loyalty_holds_open')).toBe(1);
    expect(await gauge('loyalty_points_held')).toBe(120);
    // Held points are still the member's: the liability does not move until a capture.
    expect(await gauge('loyalty_points_outstanding')).toBe(before + 500);
  });
});
