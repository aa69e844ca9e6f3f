import { pointsAdjusted } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { memberCredit, memberDebit, programAccounts } from '../ledger.ts';
import { emptyPlan } from '../plan.ts';
import { credit, debit, txBody } from './balances.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';

/** A signed manual correction against the adjustments account; a debit may not overdraw. */
export function adjust(
  op: Extract<LedgerOp, { kind: 'adjust' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const plan = emptyPlan();
  const magnitude = Math.abs(op.points);
  plan.transaction = {
    id: op.id,
    kind: 'adjustment',
    memberId: op.memberId,
    points: magnitude,
    direction: op.points > 0 ? 1 : -1,
    contraAccount: programAccounts.adjustments,
    reference: null,
    reason: op.reason,
    reverses: null,
    actorId: op.actorId,
  };
  if (op.points > 0) {
    credit(s, c, op.memberId, magnitude, plan, false);
    plan.entries = memberCredit(op.memberId, programAccounts.adjustments, magnitude);
  } else {
    const refusal = debit(s, op.memberId, magnitude, plan);
    if (refusal) return refused(refusal);
    plan.entries = memberDebit(op.memberId, programAccounts.adjustments, magnitude);
  }
  plan.events.push({
    def: pointsAdjusted,
    subject: op.memberId,
    data: {
      member_id: op.memberId,
      transaction_id: op.id,
      points: magnitude,
      signed_points: op.points,
      reason: op.reason,
      reference: null,
    },
  });
  return {
    plan,
    statusCode: 201,
    body: { ...txBody(plan, s, op.memberId), signed_points: op.points },
  };
}
