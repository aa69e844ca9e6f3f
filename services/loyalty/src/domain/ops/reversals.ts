import { transactionReversed } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { memberCredit, memberDebit, type ProgramAccount } from '../ledger.ts';
import { emptyPlan } from '../plan.ts';
import { conflictRefusal, notFoundRefusal } from '../refusals.ts';
import { credit, debit, txBody } from './balances.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';

/** Reverses a transaction, fully or partly, in the opposite direction on the same accounts. */
export function reverse(
  op: Extract<LedgerOp, { kind: 'reverse' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const t = s.txs.get(op.transactionId);
  if (!t) return refused(notFoundRefusal('transaction'));
  if (t.kind === 'reversal')
    return refused(conflictRefusal('not-reversible', 'A reversal cannot itself be reversed'));
  const left = t.points - t.reversedPoints;
  const points = op.points ?? left;
  if (points > left || left === 0)
    return refused(
      conflictRefusal('reversal-exceeds-remaining', `Only ${left} points are left to reverse`, {
        remaining: left,
      }),
    );
  const plan = emptyPlan();
  const direction = t.direction === 1 ? -1 : 1;
  plan.transaction = {
    id: op.id,
    kind: 'reversal',
    memberId: t.memberId,
    points,
    direction,
    contraAccount: t.contraAccount,
    reference: null,
    reason: op.reason,
    reverses: t.id,
    actorId: op.actorId,
  };
  const contra = t.contraAccount as ProgramAccount;
  if (direction === -1) {
    const refusal = debit(s, t.memberId, points, plan);
    if (refusal) return refused(refusal);
    plan.entries = memberDebit(t.memberId, contra, points);
  } else {
    credit(s, c, t.memberId, points, plan, false);
    plan.entries = memberCredit(t.memberId, contra, points);
  }
  t.reversedPoints += points;
  plan.reversedPoints = { transactionId: t.id, points };
  plan.events.push({
    def: transactionReversed,
    subject: t.memberId,
    data: {
      member_id: t.memberId,
      transaction_id: op.id,
      points,
      reference: null,
      reverses: t.id,
    },
  });
  return {
    plan,
    statusCode: 201,
    body: { ...txBody(plan, s, t.memberId), reverses: t.id, remaining_to_reverse: left - points },
  };
}
