/** Holds at checkout: authorize (hold), then capture fully or partly, or release. */
import { holdCaptured, holdReleased } from '@redemption/contracts';
import type { BatchState } from '../batch-state.ts';
import { decideCapture, decideRelease, type Hold } from '../holds.ts';
import type { LedgerOp } from '../ledger-ops.ts';
import { applyDelta, available, memberDebit, programAccounts } from '../ledger.ts';
import { emptyPlan, type Plan } from '../plan.ts';
import {
  conflictRefusal,
  insufficientPoints,
  notFoundRefusal,
  unprocessableRefusal,
  type Refusal,
} from '../refusals.ts';
import { debit, memberBalance } from './balances.ts';
import { refused, type DecideContext, type Decision } from './decision.ts';

export function hold(op: Extract<LedgerOp, { kind: 'hold' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  if (available(b) < op.points) return refused(insufficientPoints(available(b), op.points));
  Object.assign(b, applyDelta(b, { held: op.points }));
  const plan = emptyPlan();
  plan.hold = {
    id: op.id,
    memberId: op.memberId,
    points: op.points,
    reference: op.reference,
    expiresAt: op.expiresAt,
  };
  plan.heldDeltas.push({ memberId: op.memberId, delta: op.points });
  const body = {
    id: op.id,
    member_id: op.memberId,
    points: op.points,
    status: 'active',
    reference: op.reference,
    expires_at: op.expiresAt.toISOString(),
    available: available(b),
  };
  return { plan, statusCode: 201, body };
}

export function capture(
  op: Extract<LedgerOp, { kind: 'capture' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const h = s.holds.get(op.holdId);
  if (!h) return refused(notFoundRefusal('hold'));
  const d = decideCapture(h, c.now, op.points);
  if (!d.ok) return refused(holdRefusal(d.reason, h.status, h.points));
  const b = memberBalance(s, h.memberId);
  Object.assign(b, applyDelta(b, { held: -h.points }));
  const plan = emptyPlan();
  plan.heldDeltas.push({ memberId: h.memberId, delta: -h.points });
  if (d.capture > 0) {
    plan.transaction = {
      id: op.id,
      kind: 'capture',
      memberId: h.memberId,
      points: d.capture,
      direction: -1,
      contraAccount: programAccounts.redeemed,
      reference: h.id,
      reason: null,
      reverses: null,
      actorId: op.actorId,
    };
    const refusal = debit(s, h.memberId, d.capture, plan);
    // Invariant (held ≤ balance): the batch fails rather than refuse a capture it promised.
    if (refusal)
      throw new Error(
        `held points were not available: ${'detail' in refusal ? refusal.detail : refusal.kind}`,
      );
    plan.entries = memberDebit(h.memberId, programAccounts.redeemed, d.capture);
  }
  h.status = 'captured';
  plan.holdUpdate = {
    id: h.id,
    status: 'captured',
    capturedPoints: d.capture,
    captureTransactionId: d.capture > 0 ? op.id : null,
  };
  plan.events.push(captureEvent(h, op.id, d.capture));
  return {
    plan,
    statusCode: 200,
    body: {
      id: h.id,
      status: 'captured',
      captured_points: d.capture,
      released_points: d.release,
      transaction_id: d.capture > 0 ? op.id : null,
    },
  };
}

/** A capture of nothing (points: 0) is a release. */
function captureEvent(h: Hold, transactionId: string, captured: number): Plan['events'][number] {
  if (captured > 0)
    return {
      def: holdCaptured,
      subject: h.memberId,
      data: {
        member_id: h.memberId,
        transaction_id: transactionId,
        points: captured,
        reference: h.id,
        hold_id: h.id,
      },
    };
  return {
    def: holdReleased,
    subject: h.memberId,
    data: { member_id: h.memberId, hold_id: h.id, points: h.points, expired: false },
  };
}

export function release(op: Extract<LedgerOp, { kind: 'release' }>, s: BatchState): Decision {
  const h = s.holds.get(op.holdId);
  if (!h) return refused(notFoundRefusal('hold'));
  const d = decideRelease(h, op.expired ? 'expired' : 'released');
  if (!d.ok) return refused(holdRefusal(d.reason, h.status, h.points));
  const b = memberBalance(s, h.memberId);
  Object.assign(b, applyDelta(b, { held: -h.points }));
  h.status = d.status;
  const plan = emptyPlan();
  plan.heldDeltas.push({ memberId: h.memberId, delta: -h.points });
  plan.holdUpdate = { id: h.id, status: d.status, capturedPoints: 0, captureTransactionId: null };
  plan.events.push({
    def: holdReleased,
    subject: h.memberId,
    data: {
      member_id: h.memberId,
      hold_id: h.id,
      points: h.points,
      expired: d.status === 'expired',
    },
  });
  return { plan, statusCode: 200, body: { id: h.id, status: d.status, released_points: h.points } };
}

function holdRefusal(reason: string, status: string, points: number): Refusal {
  if (reason === 'capture-exceeds-hold')
    return unprocessableRefusal('capture-exceeds-hold', `The hold is for ${points} points`, {
      hold_points: points,
    });
  if (reason === 'expired')
    return conflictRefusal('hold-expired', 'The hold has expired; its points were returned', {
      hold_status: 'expired',
    });
  return conflictRefusal('hold-not-active', `The hold is already ${status}`, {
    hold_status: status,
  });
}
