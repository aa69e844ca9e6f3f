import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerProblems, startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';
import { sweepExpired } from './expiry.job.ts';
import { createLedger } from './ledger.service.ts';

describe('expiry sweep and tiers (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  let sweep: () => ReturnType<typeof sweepExpired>;
  let sweepOtherPod: () => ReturnType<typeof sweepExpired>;
  beforeAll(async () => {
    h = await startLoyalty();
    // A second ledger on the same database, as another pod's job would be.
    const ledger = createLedger(h.platform.db, h.platform.events.publisher, {
      batchMax: 64,
      batchWaitMs: 1,
      queueDepthMax: 1000,
      lotExpiryMonths: 24,
    });
    sweep = () => sweepExpired(h.platform.db, ledger);
    const other = createLedger(h.platform.db, h.platform.events.publisher, {
      batchMax: 64,
      batchWaitMs: 1,
      queueDepthMax: 1000,
      lotExpiryMonths: 24,
    });
    sweepOtherPod = () => sweepExpired(h.platform.db, other);
  });
  afterAll(async () => {
    expect(await ledgerProblems(h.platform)).toEqual([]);
    await h.close();
  });

  const account = async (id: string, token: string) =>
    (await h.call('GET', `/api/loyalty/accounts/${id}`, token)).body;

  it('releases holds that expired and returns their points', async () => {
    const m = await h.member(300);
    const hold = await h.call('POST', '/api/loyalty/holds', m.token, { points: 200 });
    await h.platform.db.query(
      "UPDATE loyalty.holds SET expires_at = now() - interval '1 second' WHERE id = $1",
      [hold.body.id],
    );
    expect(
      (await h.call('POST', `/api/loyalty/holds/${hold.body.id}/capture`, h.adminToken, {})).body
        .type,
    ).toBe('/problems/hold-expired');
    await sweep();
    expect(await account(m.id, m.token)).toMatchObject({ balance: 300, held: 0, available: 300 });
    expect(
      (await h.call('POST', `/api/loyalty/holds/${hold.body.id}/release`, m.token, {})).body
        .hold_status,
    ).toBe('expired');
  });

  it('expires lots into breakage, soonest first, never the points held for checkout', async () => {
    const m = await h.member(500);
    await h.call('POST', '/api/loyalty/holds', m.token, { points: 120 });
    await h.platform.db.query(
      "UPDATE loyalty.lots SET expires_at = now() - interval '1 second' WHERE member_id = $1",
      [m.id],
    );
    const before = await h.platform.db.query<{ balance: number }>(
      "SELECT balance FROM loyalty.accounts WHERE id = 'program:breakage'",
    );
    await sweep();
    expect(await account(m.id, m.token)).toMatchObject({ balance: 120, held: 120, available: 0 });
    const after = await h.platform.db.query<{ balance: number }>(
      "SELECT balance FROM loyalty.accounts WHERE id = 'program:breakage'",
    );
    expect(after.rows[0]!.balance - before.rows[0]!.balance).toBe(380);
    expect((await sweep()).lots).toBe(0); // running again changes nothing
    const history = await h.call('GET', `/api/loyalty/accounts/${m.id}/transactions`, m.token);
    expect(history.body.items[0]).toMatchObject({
      kind: 'expiry',
      points: 380,
      signed_points: -380,
    });
  });

  it('moves a member up a tier and applies the new earn multiplier', async () => {
    const m = await h.member(0);
    const first = await h.call('POST', '/api/loyalty/earn', h.adminToken, {
      member_id: m.id,
      points: 10_000,
      reason: 'stays',
    });
    expect(first.body).toMatchObject({ points: 10_000, tier: 'silver' });
    const next = await h.call('POST', '/api/loyalty/earn', h.adminToken, {
      member_id: m.id,
      points: 100,
      reason: 'stay',
    });
    expect(next.body).toMatchObject({ base_points: 100, points: 125 });
    expect((await account(m.id, m.token)).tier).toBe('silver');
  });

  it('lowers the tier once when qualifying points age out of the trailing 12 months', async () => {
    const m = await h.member(0);
    const earn = (points: number) =>
      h.call('POST', '/api/loyalty/earn', h.adminToken, {
        member_id: m.id,
        points,
        reason: 'stay',
      });
    const old = await earn(40_000);
    expect(old.body.tier).toBe('gold');
    await earn(8_000); // 12,000 at 1.5×: still silver once the 40,000 age out
    await h.platform.db.query(
      "UPDATE loyalty.lots SET earned_at = now() - interval '13 months' WHERE transaction_id = $1",
      [old.body.transaction_id],
    );
    const [a, b] = await Promise.all([sweep(), sweepOtherPod()]); // two pods, one change
    // At most one applies (the platform's own 30 s sweep could, rarely, be the one); the
    // outbox below shows the change was emitted exactly once either way.
    expect(a.tiers + b.tiers).toBeLessThanOrEqual(1);
    expect((await account(m.id, m.token)).tier).toBe('silver');
    expect((await sweep()).tiers).toBe(0); // nothing left to change
    const changes = await h.platform.db.query<{ data: Record<string, unknown> }>(
      "SELECT event->'data' AS data FROM kernel.outbox WHERE key = $1 AND event->>'type' = 'tier_changed' ORDER BY position",
      [m.id],
    );
    expect(changes.rows.map((r) => r.data)).toEqual([
      { member_id: m.id, from: 'member', to: 'gold', qualifying_points: 40_000 },
      { member_id: m.id, from: 'gold', to: 'silver', qualifying_points: 12_000 },
    ]);
    // The balance is untouched: a tier is status, not points.
    expect((await account(m.id, m.token)).balance).toBe(52_000);
  });
});
