import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerProblems, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

/** The loyalty API contract, run on embedded PGlite and on a real PostgreSQL. */
export function loyaltyApiSuite(label: string, start: () => Promise<LoyaltyHarness>): void {
  describe(`loyalty API (${label})`, () => {
    let h: LoyaltyHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      if (h) expect(await ledgerProblems(h.platform)).toEqual([]);
      await h?.close();
    });

    it('opens an account for a registered member and shows balance, held, available and expiring lots', async () => {
      const m = await h.member(1_000);
      const acct = await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token);
      expect(acct.status).toBe(200);
      expect(acct.body).toMatchObject({
        member_id: m.id,
        balance: 1_000,
        held: 0,
        available: 1_000,
        tier: 'member',
      });
      expect(acct.body.expiring).toEqual([{ points: 1_000, expires_at: expect.any(String) }]);
      // Progress to the next tier: what counts (trailing 12 months) and what the next one needs.
      expect(acct.body).toMatchObject({
        qualifying_points: 1_000,
        next_tier: { tier: 'silver', threshold_points: 10_000 },
      });
    });

    it('lets a member see only their own account (404 for others)', async () => {
      const [a, b] = [await h.member(), await h.member()];
      expect((await h.call('GET', `/api/loyalty/accounts/${b.id}`, a.token)).status).toBe(404);
      expect((await h.call('GET', `/api/loyalty/accounts/${a.id}`, h.adminToken)).status).toBe(200);
    });

    it('redeems points and refuses an overdraft with 422, writing nothing', async () => {
      const m = await h.member(500);
      const ok = await h.call('POST', '/api/loyalty/redemptions', m.token, {
        points: 200,
        reference: 'spa',
      });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ kind: 'redeem', points: 200, balance: 300, available: 300 });
      const over = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 301 });
      expect(over.status).toBe(422);
      expect(over.body).toMatchObject({
        type: '/problems/insufficient-points',
        available: 300,
        needed: 301,
      });
      expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body.balance).toBe(
        300,
      );
    });

    it('rejects zero, negative, fractional and absurd amounts with 400 naming the field', async () => {
      const m = await h.member(100);
      for (const points of [0, -5, 2.5, 1e12]) {
        const res = await h.call('POST', '/api/loyalty/redemptions', m.token, { points });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('body.points');
      }
      expect(
        (
          await h.call('POST', '/api/loyalty/earn', h.adminToken, {
            member_id: randomUUID(),
            points: 5,
            reason: 'x',
          })
        ).body.type,
      ).toBe('/problems/unknown-member');
    });

    it('requires an Idempotency-Key and never applies a retry twice', async () => {
      const m = await h.member(1_000);
      const missing = await h.call(
        'POST',
        '/api/loyalty/redemptions',
        m.token,
        { points: 10 },
        null,
      );
      expect(missing.status).toBe(400);
      const key = randomUUID();
      const first = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 100 }, key);
      const again = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 100 }, key);
      expect(again.status).toBe(201);
      expect(again.body.transaction_id).toBe(first.body.transaction_id);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(
        (await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 101 }, key)).status,
      ).toBe(422);
      expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body.balance).toBe(
        900,
      );
    });

    it('holds, captures partly (the rest returns) and refuses capture beyond the hold or a double release', async () => {
      const m = await h.member(1_000);
      const hold = await h.call('POST', '/api/loyalty/holds', m.token, {
        points: 400,
        reference: 'order-1',
      });
      expect(hold.status).toBe(201);
      expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body).toMatchObject({
        balance: 1_000,
        held: 400,
        available: 600,
      });
      expect(
        (
          await h.call('POST', `/api/loyalty/holds/${hold.body.id}/capture`, h.adminToken, {
            points: 401,
          })
        ).status,
      ).toBe(422);
      const cap = await h.call('POST', `/api/loyalty/holds/${hold.body.id}/capture`, h.adminToken, {
        points: 250,
      });
      expect(cap.body).toMatchObject({
        status: 'captured',
        captured_points: 250,
        released_points: 150,
      });
      expect((await h.call('GET', `/api/loyalty/accounts/${m.id}`, m.token)).body).toMatchObject({
        balance: 750,
        held: 0,
        available: 750,
      });
      const h2 = await h.call('POST', '/api/loyalty/holds', m.token, { points: 100 });
      expect(
        (await h.call('POST', `/api/loyalty/holds/${h2.body.id}/release`, m.token, {})).status,
      ).toBe(200);
      const twice = await h.call('POST', `/api/loyalty/holds/${h2.body.id}/release`, m.token, {});
      expect(twice.status).toBe(409);
      expect(twice.body.type).toBe('/problems/hold-not-active');
    });

    it('reverses fully or partly, never beyond what is left', async () => {
      const m = await h.member(0);
      const earn = await h.call('POST', '/api/loyalty/earn', h.adminToken, {
        member_id: m.id,
        points: 1_000,
        reason: 'stay',
      });
      const redeem = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 600 });
      const part = await h.call(
        'POST',
        `/api/loyalty/transactions/${redeem.body.transaction_id}/reverse`,
        h.adminToken,
        { points: 200, reason: 'partial refund' },
      );
      expect(part.body).toMatchObject({
        kind: 'reversal',
        points: 200,
        remaining_to_reverse: 400,
        balance: 600,
      });
      const over = await h.call(
        'POST',
        `/api/loyalty/transactions/${redeem.body.transaction_id}/reverse`,
        h.adminToken,
        { points: 401, reason: 'too much' },
      );
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({
        type: '/problems/reversal-exceeds-remaining',
        remaining: 400,
      });
      const earnBack = await h.call(
        'POST',
        `/api/loyalty/transactions/${earn.body.transaction_id}/reverse`,
        h.adminToken,
        { reason: 'fraud' },
      );
      expect(earnBack.status).toBe(422); // only 600 available of the 1,000 earned
      expect(
        (
          await h.call(
            'POST',
            `/api/loyalty/transactions/${earn.body.transaction_id}/reverse`,
            m.token,
            { reason: 'x' },
          )
        ).status,
      ).toBe(403);
    });

    it('applies signed adjustments (admin only) and lists history with a cursor', async () => {
      const m = await h.member(100);
      expect(
        (
          await h.call('POST', '/api/loyalty/adjustments', h.adminToken, {
            member_id: m.id,
            points: -30,
            reason: 'goodwill correction',
          })
        ).body,
      ).toMatchObject({ signed_points: -30, balance: 70 });
      expect(
        (
          await h.call('POST', '/api/loyalty/adjustments', m.token, {
            member_id: m.id,
            points: 30,
            reason: 'me',
          })
        ).status,
      ).toBe(403);
      for (let i = 0; i < 3; i++)
        await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 1 });
      const page1 = await h.call(
        'GET',
        `/api/loyalty/accounts/${m.id}/transactions?limit=2`,
        m.token,
      );
      expect(page1.body.items).toHaveLength(2);
      const page2 = await h.call(
        'GET',
        `/api/loyalty/accounts/${m.id}/transactions?limit=2&cursor=${page1.body.next_cursor}`,
        m.token,
      );
      const page3 = await h.call(
        'GET',
        `/api/loyalty/accounts/${m.id}/transactions?limit=2&cursor=${page2.body.next_cursor}`,
        m.token,
      );
      const all = [...page1.body.items, ...page2.body.items, ...page3.body.items];
      expect(all.map((t: { kind: string }) => t.kind)).toEqual([
        'redeem',
        'redeem',
        'redeem',
        'adjustment',
        'earn',
      ]);
      expect(page3.body.next_cursor).toBeNull();
    });

    it('sells a drop exactly to its quantity under concurrent claims, with per-member limits', async () => {
      const opens = new Date(Date.now() - 1_000).toISOString();
      const closes = new Date(Date.now() + 3_600_000).toISOString();
      const drop = await h.call('POST', '/api/loyalty/drops', h.adminToken, {
        name: 'Suite upgrade',
        points_price: 100,
        quantity: 5,
        per_member_limit: 1,
        opens_at: opens,
        closes_at: closes,
      });
      expect(drop.status).toBe(201);
      const members = await Promise.all(Array.from({ length: 12 }, () => h.member(150)));
      const claims = await Promise.all(
        members.map((m) =>
          h.call('POST', `/api/loyalty/drops/${drop.body.id}/claims`, m.token, {}),
        ),
      );
      expect(claims.filter((c) => c.status === 201)).toHaveLength(5);
      expect(claims.filter((c) => c.status === 410)).toHaveLength(7);
      const winner = members[claims.findIndex((c) => c.status === 201)]!;
      expect(
        (await h.call('POST', `/api/loyalty/drops/${drop.body.id}/claims`, winner.token, {}))
          .status,
      ).toBe(410);
      expect(
        (await h.call('GET', `/api/loyalty/drops/${drop.body.id}`, winner.token)).body,
      ).toMatchObject({ sold: 5, remaining: 0 });
      const limited = await h.call('POST', '/api/loyalty/drops', h.adminToken, {
        name: 'Late checkout',
        points_price: 10,
        quantity: 10,
        per_member_limit: 1,
        opens_at: opens,
        closes_at: closes,
      });
      const m = await h.member(100);
      expect(
        (await h.call('POST', `/api/loyalty/drops/${limited.body.id}/claims`, m.token, {})).status,
      ).toBe(201);
      expect(
        (await h.call('POST', `/api/loyalty/drops/${limited.body.id}/claims`, m.token, {})).body
          .type,
      ).toBe('/problems/member-limit-reached');
      const future = await h.call('POST', '/api/loyalty/drops', h.adminToken, {
        name: 'Soon',
        points_price: 10,
        quantity: 1,
        per_member_limit: 1,
        opens_at: closes,
        closes_at: new Date(Date.now() + 7_200_000).toISOString(),
      });
      const early = await h.call(
        'POST',
        `/api/loyalty/drops/${future.body.id}/claims`,
        m.token,
        {},
      );
      expect(early.status).toBe(409);
      expect(early.body.opens_at).toBe(closes);
    });

    it('lists drops (newest opening first; active ones only when asked) and answers 304 while a drop is unchanged', async () => {
      const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
      const create = (name: string, opensMin: number, closesMin: number) =>
        h.call('POST', '/api/loyalty/drops', h.adminToken, {
          name,
          points_price: 10,
          quantity: 2,
          per_member_limit: 1,
          opens_at: at(opensMin),
          closes_at: at(closesMin),
        });
      const past = (await create('Past', -120, -60)).body;
      const open = (await create('Open', -1, 60)).body;
      const later = (await create('Later', 600, 660)).body;
      const all = await h.call('GET', '/api/loyalty/drops?limit=100', '');
      expect(all.status).toBe(200);
      const ids = all.body.items.map((d: { id: string }) => d.id);
      expect(ids.indexOf(later.id)).toBeLessThan(ids.indexOf(open.id));
      expect(ids.indexOf(open.id)).toBeLessThan(ids.indexOf(past.id));
      const active = (await h.call('GET', '/api/loyalty/drops?active=true&limit=100', '')).body;
      const activeIds = active.items.map((d: { id: string }) => d.id);
      expect(activeIds).toContain(open.id);
      expect(activeIds).not.toContain(past.id);
      expect((await h.call('GET', '/api/loyalty/drops?limit=101', '')).status).toBe(400);

      const get = (etag?: string) =>
        h.platform.app.inject({
          method: 'GET',
          url: `/api/loyalty/drops/${open.id}`,
          headers: etag ? { 'if-none-match': etag } : {},
        });
      const first = await get();
      const etag = String(first.headers['etag']);
      expect(etag).toMatch(/^"drop-0"$/);
      const same = await get(etag);
      expect(same.statusCode).toBe(304);
      expect(same.body).toBe('');
      const m = await h.member(100);
      const claim = await h.call('POST', `/api/loyalty/drops/${open.id}/claims`, m.token, {});
      expect(claim.status).toBe(201);
      const changed = await get(etag);
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ sold: 1, remaining: 1 });
      expect(changed.headers['etag']).not.toBe(etag);
    });
  });
}
