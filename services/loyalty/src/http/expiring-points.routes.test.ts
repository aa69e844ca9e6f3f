import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

const dayMs = 86_400_000;

describe('GET /api/loyalty/admin/expiring-points (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    h = await startLoyalty({ env: { POINTS_EXPIRY_MONTHS: '1' } }); // lots expire in a month
  });
  afterAll(async () => h?.close());

  const url = (from: number, to: number, extra = '') =>
    `/api/loyalty/admin/expiring-points?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${extra}`;

  it('lists each member with points expiring in the range, by member id, paged by `after`', async () => {
    const a = await h.member(120);
    const b = await h.member(30);
    const now = Date.now();
    const wide = url(now, now + 60 * dayMs);
    const all = await h.call('GET', wide, h.adminToken);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const mine = (all.body.items as Array<Record<string, unknown>>).filter((i) =>
      [a.id, b.id].includes(i['member_id'] as string),
    );
    expect(mine.map((i) => [i['member_id'], i['points']])).toEqual(
      [
        [a.id, 120],
        [b.id, 30],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const first = mine[0]!['member_id'] as string;
    const after = await h.call('GET', url(now, now + 60 * dayMs, `&after=${first}`), h.adminToken);
    expect(
      (after.body.items as Array<Record<string, unknown>>).map((i) => i['member_id']),
    ).not.toContain(first);
    const past = await h.call('GET', url(now - 2 * dayMs, now - dayMs), h.adminToken);
    expect(past.body.items).toEqual([]);
  });

  it('refuses members (403), a reversed or too wide range (400)', async () => {
    const m = await h.member();
    const now = Date.now();
    expect((await h.call('GET', url(now, now + dayMs), m.token)).status).toBe(403);
    const reversed = await h.call('GET', url(now, now - dayMs), h.adminToken);
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors[0].field).toBe('querystring.to');
    expect((await h.call('GET', url(now, now + 400 * dayMs), h.adminToken)).status).toBe(400);
  });
});
