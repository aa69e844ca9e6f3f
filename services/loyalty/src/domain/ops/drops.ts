import { dropSoldOut } from '@redemption/contracts';
import { claimKey, type BatchState } from '../batch-state.ts';
import { claimRefusal, remaining, type ClaimRefusal } from '../drops.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { available } from '../ledger.ts';
import { conflictRefusal, insufficientPoints, notFoundRefusal, type Refusal } from '../refusals.ts';
import { memberBalance } from './balances.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';
import { spend } from './redeem.ts';

/** Claims one unit of a flash-sale drop, paying its points price in the same transaction. */
export function claim(
  op: Extract<LedgerOp, { kind: 'claim' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const d = s.drops.get(op.dropId);
  if (!d) return refused(notFoundRefusal('drop'));
  const key = claimKey(d.id, op.memberId);
  const b = memberBalance(s, op.memberId);
  const why = claimRefusal(d, c.now, s.claims.get(key) ?? 0, available(b));
  if (why) return refused(claimRefused(why));
  const decision = spend(
    s,
    op.memberId,
    d.pointsPrice,
    { id: op.id, kind: 'claim', reference: d.id, actorId: op.actorId },
    { quantity: d.quantity, sold: d.sold + 1 },
  );
  if ('refusal' in decision) return decision;
  d.sold += 1;
  s.claims.set(key, (s.claims.get(key) ?? 0) + 1);
  decision.plan.claim = { id: op.id, dropId: d.id, memberId: op.memberId };
  decision.plan.dropSold = { dropId: d.id, delta: 1 };
  if (remaining(d) === 0)
    decision.plan.events.push({
      def: dropSoldOut,
      subject: d.id,
      data: { drop_id: d.id, quantity: d.quantity },
    });
  return { ...decision, body: { ...decision.body, drop_id: d.id, remaining: remaining(d) } };
}

function claimRefused(r: ClaimRefusal): Refusal {
  switch (r.reason) {
    case 'sold-out':
      return { kind: 'sold-out' };
    case 'not-open':
      return conflictRefusal('drop-not-open', `The drop opens at ${r.opensAt.toISOString()}`, {
        opens_at: r.opensAt.toISOString(),
      });
    case 'closed':
      return conflictRefusal('drop-closed', `The drop closed at ${r.closesAt.toISOString()}`, {
        closes_at: r.closesAt.toISOString(),
      });
    case 'member-limit':
      return conflictRefusal('member-limit-reached', `At most ${r.limit} per member`, {
        per_member_limit: r.limit,
      });
    case 'insufficient-points':
      return insufficientPoints(r.available, r.price);
  }
}
