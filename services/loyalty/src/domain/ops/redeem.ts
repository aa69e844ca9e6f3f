import { pointsRedeemed } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { memberDebit, programAccounts } from '../ledger.ts';
import { emptyPlan } from '../plan.ts';
import { debit, txBody } from './balances.ts';
import { refused, type Decision } from './decision.ts';

export function redeem(op: Extract<LedgerOp, { kind: 'redeem' }>, s: BatchState): Decision {
  return spend(s, op.memberId, op.points, {
    id: op.id,
    kind: 'redeem',
    reference: op.reference,
    actorId: op.actorId,
  });
}

/** Spends a member's points on a reward: a redemption, or the price of a drop claim. */
export function spend(
  s: BatchState,
  memberId: string,
  points: number,
  t: { id: string; kind: 'redeem' | 'claim'; reference: string | null; actorId: string },
  /** A claim's drop after it: analytics' sell-through (points_redeemed's drop fields). */
  drop?: { quantity: number; sold: number },
): Decision {
  const plan = emptyPlan();
  plan.transaction = {
    id: t.id,
    kind: t.kind,
    memberId,
    points,
    direction: -1,
    contraAccount: programAccounts.redeemed,
    reference: t.reference,
    reason: null,
    reverses: null,
    actorId: t.actorId,
  };
  const refusal = debit(s, memberId, points, plan);
  if (refusal) return refused(refusal);
  plan.entries = memberDebit(memberId, programAccounts.redeemed, points);
  plan.events.push({
    def: pointsRedeemed,
    subject: memberId,
    data: {
      member_id: memberId,
      transaction_id: t.id,
      points,
      reference: t.reference,
      kind: t.kind,
      ...(drop ? { drop_quantity: drop.quantity, drop_sold: drop.sold } : {}),
    },
  });
  return { plan, statusCode: 201, body: txBody(plan, s, memberId) };
}
