/**
 * What every op family shares: a member's balance in the batch state, crediting (which opens
 * a lot) and debiting (which takes from lots, soonest expiry first), and the result body of a
 * transaction. Pure: each one updates the batch state, so later ops in the batch see it.
 */
import type { BatchState } from '../batch-state.ts';
import { applyDelta, available } from '../ledger.ts';
import { addMonths, takeFromLots } from '../lots.ts';
import type { Plan } from '../plan.ts';
import { insufficientPoints, RefusedError, type Refusal } from '../refusals.ts';
import type { DecideContext } from './decision.ts';

export function memberBalance(s: BatchState, memberId: string) {
  const b = s.balances.get(memberId);
  if (!b) throw new RefusedError({ kind: 'unknown-member', memberId });
  return b;
}

/** Credits a member and opens a lot that later ops in the same batch can already spend. */
export function credit(
  s: BatchState,
  c: DecideContext,
  memberId: string,
  points: number,
  plan: Plan,
  qualifying: boolean,
): void {
  const b = memberBalance(s, memberId);
  Object.assign(b, applyDelta(b, { balance: points }));
  const lot = {
    id: c.newId(),
    memberId,
    points,
    expiresAt: addMonths(c.now, c.lotExpiryMonths),
    qualifying,
  };
  plan.newLot = lot;
  const lots = s.lots.get(memberId) ?? [];
  lots.push({ id: lot.id, remaining: points, expiresAt: lot.expiresAt });
  s.lots.set(memberId, lots);
}

/** Debits a member, soonest-expiring lots first; refused when not enough is available. */
export function debit(
  s: BatchState,
  memberId: string,
  points: number,
  plan: Plan,
): Refusal | undefined {
  const b = memberBalance(s, memberId);
  if (available(b) < points) return insufficientPoints(available(b), points);
  const lots = s.lots.get(memberId) ?? [];
  plan.lotTakes = takeFromLots(lots, points);
  for (const t of plan.lotTakes) lots.find((l) => l.id === t.lotId)!.remaining -= t.points;
  Object.assign(b, applyDelta(b, { balance: -points }));
  return undefined;
}

/** The result of an op that wrote a transaction: it and the member's balance after it. */
export function txBody(plan: Plan, s: BatchState, memberId: string): Record<string, unknown> {
  const t = plan.transaction!;
  const b = s.balances.get(memberId)!;
  return {
    transaction_id: t.id,
    kind: t.kind,
    member_id: memberId,
    points: t.points,
    reference: t.reference,
    balance: b.balance,
    available: available(b),
  };
}
