import { describe, expect, it } from 'vitest';
import { emptyBatchState, type BatchState } from '../batch-state.ts';
import { RefusedError } from '../refusals.ts';
import { decide, type DecideContext, type Decision } from './decide.ts';

/** The ledger's rules on a batch state built by hand: no database, no kernel. */
const now = new Date('2026-12-01T10:00:00Z');
let ids = 0;
const ctx: DecideContext = { now, lotExpiryMonths: 24, newId: () => `lot-${++ids}` };

function stateWith(members: Record<string, number>): BatchState {
  const s = emptyBatchState();
  for (const [id, points] of Object.entries(members)) {
    s.balances.set(id, { balance: points, held: 0, tier: 'member' });
    s.lots.set(id, points ? [{ id: `lot-of-${id}`, remaining: points, expiresAt: now }] : []);
    s.qualifying.set(id, 0);
  }
  return s;
}

const accepted = (d: Decision) => {
  if (!('plan' in d)) throw new Error(`refused: ${JSON.stringify(d.refusal)}`);
  return d;
};
const actorId = 'test';

describe('ledger ops decided against one batch state', () => {
  it('lets a later op spend what an earlier op of the same batch credited', () => {
    const s = stateWith({ m: 100 });
    const earn = accepted(
      decide(
        {
          kind: 'earn',
          id: 't1',
          memberId: 'm',
          points: 50,
          reason: 'r',
          reference: null,
          actorId,
        },
        s,
        ctx,
      ),
    );
    expect(earn.plan.newLot).toMatchObject({ id: 'lot-1', points: 50, qualifying: true });
    const redeem = accepted(
      decide(
        { kind: 'redeem', id: 't2', memberId: 'm', points: 140, reference: null, actorId },
        s,
        ctx,
      ),
    );
    // Soonest expiry first: the old lot, then the lot the earn opened.
    expect(redeem.plan.lotTakes).toEqual([
      { lotId: 'lot-of-m', points: 100 },
      { lotId: 'lot-1', points: 40 },
    ]);
    expect(redeem.body).toMatchObject({ balance: 10, available: 10 });
    const refused = decide(
      { kind: 'redeem', id: 't3', memberId: 'm', points: 11, reference: null, actorId },
      s,
      ctx,
    );
    expect(refused).toEqual({
      refusal: {
        kind: 'unprocessable',
        slug: 'insufficient-points',
        detail: 'Only 10 points are available; 11 are needed',
        extensions: { available: 10, needed: 11 },
      },
    });
  });

  it('refuses a second earn with the same id in one batch as already applied', () => {
    const s = stateWith({ m: 0 });
    const op = {
      kind: 'earn' as const,
      id: 't1',
      memberId: 'm',
      points: 5,
      reason: 'r',
      reference: null,
      actorId,
    };
    accepted(decide(op, s, ctx));
    expect(decide(op, s, ctx)).toMatchObject({
      refusal: { kind: 'conflict', slug: 'already-applied' },
    });
    expect(s.balances.get('m')).toMatchObject({ balance: 5 });
  });

  it('throws RefusedError for a member without an account', () => {
    const s = stateWith({});
    expect(() =>
      decide(
        { kind: 'redeem', id: 't', memberId: 'x', points: 1, reference: null, actorId },
        s,
        ctx,
      ),
    ).toThrow(RefusedError);
  });

  it('sells the last unit of a drop with drop_sold_out, then refuses as sold out', () => {
    const s = stateWith({ a: 10, b: 10 });
    s.drops.set('d', {
      id: 'd',
      name: 'drop',
      pointsPrice: 3,
      quantity: 1,
      sold: 0,
      perMemberLimit: 1,
      opensAt: new Date(now.getTime() - 1),
      closesAt: new Date(now.getTime() + 1),
    });
    const won = accepted(
      decide({ kind: 'claim', id: 'c1', dropId: 'd', memberId: 'a', actorId }, s, ctx),
    );
    expect(won.body).toMatchObject({ drop_id: 'd', remaining: 0, balance: 7 });
    expect(won.plan.events.map((e) => e.def.type)).toEqual(['points_redeemed', 'drop_sold_out']);
    // Analytics' sell-through: the claim says how far the drop has sold after it.
    expect(won.plan.events[0]!.data).toMatchObject({
      kind: 'claim',
      reference: 'd',
      drop_quantity: 1,
      drop_sold: 1,
    });
    expect(
      decide({ kind: 'claim', id: 'c2', dropId: 'd', memberId: 'b', actorId }, s, ctx),
    ).toEqual({ refusal: { kind: 'sold-out' } });
  });

  it('captures part of a hold: the hold is settled, only the captured points are debited', () => {
    const s = stateWith({ m: 100 });
    const expiresAt = new Date(now.getTime() + 60_000);
    accepted(
      decide(
        { kind: 'hold', id: 'h', memberId: 'm', points: 60, reference: null, actorId, expiresAt },
        s,
        ctx,
      ),
    );
    s.holds.set('h', { id: 'h', memberId: 'm', points: 60, status: 'active', expiresAt });
    const cap = accepted(
      decide({ kind: 'capture', id: 't', holdId: 'h', points: 20, actorId }, s, ctx),
    );
    expect(cap.body).toMatchObject({ captured_points: 20, released_points: 40 });
    expect(cap.plan.heldDeltas).toEqual([{ memberId: 'm', delta: -60 }]);
    expect(s.balances.get('m')).toMatchObject({ balance: 80, held: 0 });
    expect(decide({ kind: 'release', holdId: 'h', actorId }, s, ctx)).toMatchObject({
      refusal: { slug: 'hold-not-active', extensions: { hold_status: 'captured' } },
    });
  });
});
