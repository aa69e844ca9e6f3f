import { pointsEarned, tierChanged } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { memberCredit, programAccounts } from '../ledger.ts';
import { emptyPlan } from '../plan.ts';
import { unprocessableRefusal } from '../refusals.ts';
import { tierFor, withMultiplier } from '../tiers.ts';
import { credit, memberBalance, txBody } from './balances.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';

/** Earn applies the member's tier multiplier; crossing a threshold changes the tier. */
export function earn(
  op: Extract<LedgerOp, { kind: 'earn' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const b = memberBalance(s, op.memberId);
  const before = s.qualifying.get(op.memberId) ?? 0;
  const points = withMultiplier(op.points, tierFor(before));
  if (points < 1)
    return refused(unprocessableRefusal('nothing-to-earn', 'The points round down to zero'));
  const plan = emptyPlan();
  plan.transaction = {
    id: op.id,
    kind: 'earn',
    memberId: op.memberId,
    points,
    direction: 1,
    contraAccount: programAccounts.issued,
    reference: op.reference,
    reason: op.reason,
    reverses: null,
    actorId: op.actorId,
  };
  credit(s, c, op.memberId, points, plan, true);
  plan.entries = memberCredit(op.memberId, programAccounts.issued, points);
  plan.events.push({
    def: pointsEarned,
    subject: op.memberId,
    data: { member_id: op.memberId, transaction_id: op.id, points, reference: op.reference },
  });
  s.qualifying.set(op.memberId, before + points);
  const tier = tierFor(before + points).tier;
  if (tier !== b.tier) {
    plan.tier = { memberId: op.memberId, tier };
    plan.events.push({
      def: tierChanged,
      subject: op.memberId,
      data: { member_id: op.memberId, from: b.tier, to: tier, qualifying_points: before + points },
    });
    b.tier = tier;
  }
  return {
    plan,
    statusCode: 201,
    body: { ...txBody(plan, s, op.memberId), base_points: op.points, tier },
  };
}
