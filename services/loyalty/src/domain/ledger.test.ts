import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  available,
  balancedEntries,
  LedgerInvariantError,
  memberCredit,
  memberDebit,
  pointsProblem,
  programAccounts,
} from './ledger.ts';
import { addMonths, takeFromLots } from './lots.ts';
import { tierFor, withMultiplier } from './tiers.ts';
import { decideCapture, decideRelease, type Hold } from './holds.ts';
import { claimRefusal, type Drop } from './drops.ts';

describe('ledger rules', () => {
  it('builds balanced entries and refuses unbalanced or zero ones', () => {
    expect(memberCredit('m', programAccounts.issued, 100)).toEqual([
      { account: 'm', amount: 100 },
      { account: 'program:issued', amount: -100 },
    ]);
    expect(memberDebit('m', programAccounts.redeemed, 5).reduce((s, l) => s + l.amount, 0)).toBe(0);
    expect(() =>
      balancedEntries([
        { account: 'a', amount: 5 },
        { account: 'b', amount: -4 },
      ]),
    ).toThrow(LedgerInvariantError);
    expect(() =>
      balancedEntries([
        { account: 'a', amount: 0 },
        { account: 'b', amount: 0 },
      ]),
    ).toThrow(/non-zero/);
    expect(() =>
      balancedEntries([
        { account: 'a', amount: 1.5 },
        { account: 'b', amount: -1.5 },
      ]),
    ).toThrow(/integer/);
  });

  it('validates point amounts', () => {
    expect(pointsProblem(1)).toBeUndefined();
    expect(pointsProblem(0)).toMatch(/greater than zero/);
    expect(pointsProblem(-3)).toMatch(/greater than zero/);
    expect(pointsProblem(2.5)).toMatch(/whole/);
    expect(pointsProblem(1e12)).toMatch(/at most/);
  });

  it('never lets balance go negative or held exceed balance', () => {
    const b = { balance: 100, held: 30 };
    expect(available(b)).toBe(70);
    expect(applyDelta(b, { balance: -70 })).toEqual({ balance: 30, held: 30 });
    expect(() => applyDelta(b, { balance: -71 })).toThrow(/held would exceed/);
    expect(() => applyDelta(b, { held: 71 })).toThrow(/held would exceed/);
    expect(() => applyDelta({ balance: 0, held: 0 }, { balance: -1 })).toThrow(/negative/);
  });
});

describe('lots', () => {
  const d = (s: string) => new Date(s);
  it('spends the soonest-expiring lots first', () => {
    const lots = [
      { id: 'b', remaining: 50, expiresAt: d('2027-06-01') },
      { id: 'a', remaining: 30, expiresAt: d('2027-01-01') },
      { id: 'c', remaining: 10, expiresAt: d('2028-01-01') },
    ];
    expect(takeFromLots(lots, 60)).toEqual([
      { lotId: 'a', points: 30 },
      { lotId: 'b', points: 30 },
    ]);
    expect(() => takeFromLots(lots, 91)).toThrow(/cover 90 of 91/);
  });
  it('adds calendar months in UTC', () => {
    expect(addMonths(d('2026-01-31T00:00:00Z'), 12).toISOString()).toBe('2027-01-31T00:00:00.000Z');
  });
});

describe('tiers', () => {
  it('picks the highest tier whose threshold is met and multiplies in basis points', () => {
    expect(tierFor(0).tier).toBe('member');
    expect(tierFor(10_000).tier).toBe('silver');
    expect(tierFor(99_999).tier).toBe('gold');
    expect(withMultiplier(101, tierFor(40_000))).toBe(151);
  });
});

describe('holds', () => {
  const now = new Date('2026-11-22T00:00:00Z');
  const hold: Hold = {
    id: 'h',
    memberId: 'm',
    points: 100,
    status: 'active',
    expiresAt: new Date('2026-11-22T00:15:00Z'),
  };
  it('captures fully or partly and releases the rest', () => {
    expect(decideCapture(hold, now)).toEqual({
      ok: true,
      capture: 100,
      release: 0,
      status: 'captured',
    });
    expect(decideCapture(hold, now, 40)).toEqual({
      ok: true,
      capture: 40,
      release: 60,
      status: 'captured',
    });
    expect(decideCapture(hold, now, 101)).toMatchObject({
      ok: false,
      reason: 'capture-exceeds-hold',
    });
  });
  it('refuses a second release or a capture after release or expiry', () => {
    expect(decideRelease({ ...hold, status: 'released' })).toMatchObject({
      ok: false,
      reason: 'not-active',
    });
    expect(decideCapture({ ...hold, status: 'released' }, now)).toMatchObject({
      ok: false,
      reason: 'not-active',
    });
    expect(decideCapture(hold, new Date('2026-11-22T00:15:00Z'))).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });
});

describe('drops', () => {
  const drop: Drop = {
    id: 'd',
    name: 'Suite',
    pointsPrice: 500,
    quantity: 2,
    sold: 0,
    perMemberLimit: 1,
    opensAt: new Date('2026-11-22T10:00:00Z'),
    closesAt: new Date('2026-11-22T12:00:00Z'),
  };
  const open = new Date('2026-11-22T11:00:00Z');
  it('refuses sold out first, then the window, the member limit and the points', () => {
    expect(claimRefusal({ ...drop, sold: 2 }, new Date(0), 5, 0)).toEqual({ reason: 'sold-out' });
    expect(claimRefusal(drop, new Date('2026-11-22T09:00:00Z'), 0, 1000)).toMatchObject({
      reason: 'not-open',
    });
    expect(claimRefusal(drop, new Date('2026-11-22T12:00:00Z'), 0, 1000)).toMatchObject({
      reason: 'closed',
    });
    expect(claimRefusal(drop, open, 1, 1000)).toEqual({ reason: 'member-limit', limit: 1 });
    expect(claimRefusal(drop, open, 0, 499)).toMatchObject({ reason: 'insufficient-points' });
    expect(claimRefusal(drop, open, 0, 500)).toBeUndefined();
  });
});
