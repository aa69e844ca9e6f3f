/**
 * The ledger's rules for one batch, split by operation family (earn, redeem, holds, reversals,
 * adjustments, drops, expiry, tiers). Pure: the store loads and locks the batch state, the app
 * turns refusals into problems and writes the plans; see app/ledger.service.ts.
 */
import type { BatchState } from '../batch-state.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { conflictRefusal } from '../refusals.ts';
import { adjust } from './adjustments.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';
import { claim } from './drops.ts';
import { earn } from './earn.ts';
import { expire } from './expiry.ts';
import { capture, hold, release } from './holds.ts';
import { redeem } from './redeem.ts';
import { reverse } from './reversals.ts';
import { retier } from './tiers.ts';

export type { DecideContext, Decision } from './decision.ts';

/**
 * Decides one op against the batch state and updates that state, so later ops see it. Throws
 * RefusedError for a member with no points account (refused like any other refusal).
 */
export function decide(op: LedgerOp, s: BatchState, c: DecideContext): Decision {
  if ((op.kind === 'earn' || op.kind === 'reverse') && s.applied.has(op.id))
    return refused(conflictRefusal('already-applied', `Transaction ${op.id} was already applied`));
  const d = decideOp(op, s, c);
  if ('plan' in d && d.plan.transaction) s.applied.add(d.plan.transaction.id);
  return d;
}

function decideOp(op: LedgerOp, s: BatchState, c: DecideContext): Decision {
  switch (op.kind) {
    case 'earn':
      return earn(op, s, c);
    case 'redeem':
      return redeem(op, s);
    case 'hold':
      return hold(op, s);
    case 'capture':
      return capture(op, s, c);
    case 'release':
      return release(op, s);
    case 'reverse':
      return reverse(op, s, c);
    case 'adjust':
      return adjust(op, s, c);
    case 'claim':
      return claim(op, s, c);
    case 'expire':
      return expire(op, s);
    case 'retier':
      return retier(op, s);
  }
}
