import { tierChanged } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { emptyPlan } from '../plan.ts';
import { conflictRefusal } from '../refusals.ts';
import { tierFor } from '../tiers.ts';
import { memberBalance } from './balances.ts';
import { refused, type Decision } from './decision.ts';

/**
 * Sets the tier that the trailing 12 months' qualifying points give, both ways: earn already
 * raises it, this lowers it when points age out. Refused when nothing changes, so a second
 * pod (or a rerun) sweeping the same member is a no-op and tier_changed is emitted once.
 */
export function retier(op: Extract<LedgerOp, { kind: 'retier' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  const qualifying = s.qualifying.get(op.memberId) ?? 0;
  const tier = tierFor(qualifying).tier;
  if (tier === b.tier)
    return refused(conflictRefusal('tier-unchanged', `The member is already ${tier}`));
  const plan = emptyPlan();
  plan.tier = { memberId: op.memberId, tier };
  const data = { member_id: op.memberId, from: b.tier, to: tier, qualifying_points: qualifying };
  plan.events.push({ def: tierChanged, subject: op.memberId, data });
  b.tier = tier;
  return { plan, statusCode: 200, body: data };
}
