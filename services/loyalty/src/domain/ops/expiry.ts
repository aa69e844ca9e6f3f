import { pointsExpired } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { applyDelta, available, memberDebit, programAccounts } from '../ledger.ts';
import { emptyPlan } from '../plan.ts';
import { conflictRefusal } from '../refusals.ts';
import { memberBalance, txBody } from './balances.ts';
import { refused, type Decision } from './decision.ts';

/** Expires what is left of one lot into breakage; points held for checkout are left alone. */
export function expire(op: Extract<LedgerOp, { kind: 'expire' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  const lot = (s.lots.get(op.memberId) ?? []).find((l) => l.id === op.lotId);
  const points = Math.min(lot?.remaining ?? 0, available(b));
  if (!lot || points <= 0)
    return refused(
      conflictRefusal('nothing-to-expire', 'The lot is already used, expired or held'),
    );
  const plan = emptyPlan();
  plan.transaction = {
    id: op.id,
    kind: 'expiry',
    memberId: op.memberId,
    points,
    direction: -1,
    contraAccount: programAccounts.breakage,
    reference: op.lotId,
    reason: 'points expired',
    reverses: null,
    actorId: op.actorId,
  };
  plan.lotTakes = [{ lotId: lot.id, points }];
  lot.remaining -= points;
  Object.assign(b, applyDelta(b, { balance: -points }));
  plan.entries = memberDebit(op.memberId, programAccounts.breakage, points);
  plan.events.push({
    def: pointsExpired,
    subject: op.memberId,
    data: { member_id: op.memberId, transaction_id: op.id, points, reference: op.lotId },
  });
  return { plan, statusCode: 201, body: txBody(plan, s, op.memberId) };
}
