import {
  dropSoldOut,
  holdCaptured,
  holdReleased,
  pointsAdjusted,
  pointsExpired,
  tierChanged,
  pointsEarned,
  pointsRedeemed,
  transactionReversed,
} from '@redemption/contracts';
import { conflict, newId, notFound, ProblemError, unprocessable } from '@redemption/kernel';
import {
  applyDelta,
  available,
  memberCredit,
  memberDebit,
  programAccounts,
  type ProgramAccount,
} from '../domain/ledger.ts';
import { claimRefusal, remaining } from '../domain/drops.ts';
import { decideCapture, decideRelease } from '../domain/holds.ts';
import { addMonths, takeFromLots } from '../domain/lots.ts';
import { tierFor, withMultiplier } from '../domain/tiers.ts';
import type { BatchState } from './batch-state.ts';
import type { LedgerOp } from './ledger-ops.ts';
import { emptyPlan, type Plan } from './plan.ts';

export interface DecideContext {
  now: Date;
  lotExpiryMonths: number;
}

export type Decision =
  { plan: Plan; statusCode: number; body: Record<string, unknown> } | { problem: ProblemError };

const insufficient = (avail: number, needed: number): ProblemError =>
  unprocessable('insufficient-points', `Only ${avail} points are available; ${needed} are needed`, {
    available: avail,
    needed,
  });

/** Decides one op against the batch state and updates that state, so later ops see it. */
export function decide(op: LedgerOp, s: BatchState, c: DecideContext): Decision {
  if ((op.kind === 'earn' || op.kind === 'reverse') && s.applied.has(op.id))
    return { problem: conflict('already-applied', `Transaction ${op.id} was already applied`) };
  const d = decideOp(op, s, c);
  if ('plan' in d && d.plan.transaction) s.applied.add(d.plan.transaction.id);
  return d;
}

function decideOp(op: LedgerOp, s: BatchState, c: DecideContext): Decision {
  switch (op.kind) {
    case 'earn':
      return earn(op, s, c);
    case 'redeem':
      return spend(s, op.memberId, op.points, {
        id: op.id,
        kind: 'redeem',
        reference: op.reference,
        actorId: op.actorId,
      });
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

function memberBalance(s: BatchState, memberId: string) {
  const b = s.balances.get(memberId);
  if (!b)
    throw new ProblemError(
      404,
      'unknown-member',
      'Unknown member',
      `No points account for member ${memberId}`,
    );
  return b;
}

/** Credits a member and opens a lot that later ops in the same batch can already spend. */
function credit(
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
    id: newId(),
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

function debit(
  s: BatchState,
  memberId: string,
  points: number,
  plan: Plan,
): ProblemError | undefined {
  const b = memberBalance(s, memberId);
  if (available(b) < points) return insufficient(available(b), points);
  const lots = s.lots.get(memberId) ?? [];
  plan.lotTakes = takeFromLots(lots, points);
  for (const t of plan.lotTakes) lots.find((l) => l.id === t.lotId)!.remaining -= t.points;
  Object.assign(b, applyDelta(b, { balance: -points }));
  return undefined;
}

/** Earn applies the member's tier multiplier; crossing a threshold changes the tier. */
function earn(op: Extract<LedgerOp, { kind: 'earn' }>, s: BatchState, c: DecideContext): Decision {
  const b = memberBalance(s, op.memberId);
  const before = s.qualifying.get(op.memberId) ?? 0;
  const points = withMultiplier(op.points, tierFor(before));
  if (points < 1)
    return { problem: unprocessable('nothing-to-earn', 'The points round down to zero') };
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

/**
 * Sets the tier that the trailing 12 months' qualifying points give, both ways: earn already
 * raises it, this lowers it when points age out. Refused when nothing changes, so a second
 * pod (or a rerun) sweeping the same member is a no-op and tier_changed is emitted once.
 */
function retier(op: Extract<LedgerOp, { kind: 'retier' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  const qualifying = s.qualifying.get(op.memberId) ?? 0;
  const tier = tierFor(qualifying).tier;
  if (tier === b.tier)
    return { problem: conflict('tier-unchanged', `The member is already ${tier}`) };
  const plan = emptyPlan();
  plan.tier = { memberId: op.memberId, tier };
  const data = { member_id: op.memberId, from: b.tier, to: tier, qualifying_points: qualifying };
  plan.events.push({ def: tierChanged, subject: op.memberId, data });
  b.tier = tier;
  return { plan, statusCode: 200, body: data };
}

/** Expires what is left of one lot into breakage; points held for checkout are left alone. */
function expire(op: Extract<LedgerOp, { kind: 'expire' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  const lot = (s.lots.get(op.memberId) ?? []).find((l) => l.id === op.lotId);
  const points = Math.min(lot?.remaining ?? 0, available(b));
  if (!lot || points <= 0)
    return { problem: conflict('nothing-to-expire', 'The lot is already used, expired or held') };
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

function spend(
  s: BatchState,
  memberId: string,
  points: number,
  t: { id: string; kind: 'redeem' | 'claim'; reference: string | null; actorId: string },
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
  const refused = debit(s, memberId, points, plan);
  if (refused) return { problem: refused };
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
    },
  });
  return { plan, statusCode: 201, body: txBody(plan, s, memberId) };
}

function hold(op: Extract<LedgerOp, { kind: 'hold' }>, s: BatchState): Decision {
  const b = memberBalance(s, op.memberId);
  if (available(b) < op.points) return { problem: insufficient(available(b), op.points) };
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

function capture(
  op: Extract<LedgerOp, { kind: 'capture' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const h = s.holds.get(op.holdId);
  if (!h) return { problem: notFound('hold') };
  const d = decideCapture(h, c.now, op.points);
  if (!d.ok) return { problem: holdProblem(d.reason, h.status, h.points) };
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
    const refused = debit(s, h.memberId, d.capture, plan);
    if (refused) throw new Error(`held points were not available: ${refused.message}`); // invariant: held ≤ balance
    plan.entries = memberDebit(h.memberId, programAccounts.redeemed, d.capture);
  }
  h.status = 'captured';
  plan.holdUpdate = {
    id: h.id,
    status: 'captured',
    capturedPoints: d.capture,
    captureTransactionId: d.capture > 0 ? op.id : null,
  };
  plan.events.push(
    d.capture > 0
      ? {
          def: holdCaptured,
          subject: h.memberId,
          data: {
            member_id: h.memberId,
            transaction_id: op.id,
            points: d.capture,
            reference: h.id,
            hold_id: h.id,
          },
        }
      : {
          def: holdReleased,
          subject: h.memberId,
          data: { member_id: h.memberId, hold_id: h.id, points: h.points, expired: false },
        },
  );
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

function release(op: Extract<LedgerOp, { kind: 'release' }>, s: BatchState): Decision {
  const h = s.holds.get(op.holdId);
  if (!h) return { problem: notFound('hold') };
  const d = decideRelease(h, op.expired ? 'expired' : 'released');
  if (!d.ok) return { problem: holdProblem(d.reason, h.status, h.points) };
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

function holdProblem(reason: string, status: string, points: number): ProblemError {
  if (reason === 'capture-exceeds-hold')
    return unprocessable('capture-exceeds-hold', `The hold is for ${points} points`, {
      hold_points: points,
    });
  if (reason === 'expired')
    return conflict('hold-expired', 'The hold has expired; its points were returned', {
      hold_status: 'expired',
    });
  return conflict('hold-not-active', `The hold is already ${status}`, { hold_status: status });
}

function reverse(
  op: Extract<LedgerOp, { kind: 'reverse' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const t = s.txs.get(op.transactionId);
  if (!t) return { problem: notFound('transaction') };
  if (t.kind === 'reversal')
    return { problem: conflict('not-reversible', 'A reversal cannot itself be reversed') };
  const left = t.points - t.reversed_points;
  const points = op.points ?? left;
  if (points > left || left === 0)
    return {
      problem: conflict('reversal-exceeds-remaining', `Only ${left} points are left to reverse`, {
        remaining: left,
      }),
    };
  const plan = emptyPlan();
  const direction = t.direction === 1 ? -1 : 1;
  plan.transaction = {
    id: op.id,
    kind: 'reversal',
    memberId: t.member_id,
    points,
    direction,
    contraAccount: t.contra_account,
    reference: null,
    reason: op.reason,
    reverses: t.id,
    actorId: op.actorId,
  };
  const contra = t.contra_account as ProgramAccount;
  if (direction === -1) {
    const refused = debit(s, t.member_id, points, plan);
    if (refused) return { problem: refused };
    plan.entries = memberDebit(t.member_id, contra, points);
  } else {
    credit(s, c, t.member_id, points, plan, false);
    plan.entries = memberCredit(t.member_id, contra, points);
  }
  t.reversed_points += points;
  plan.reversedPoints = { transactionId: t.id, points };
  plan.events.push({
    def: transactionReversed,
    subject: t.member_id,
    data: {
      member_id: t.member_id,
      transaction_id: op.id,
      points,
      reference: null,
      reverses: t.id,
    },
  });
  return {
    plan,
    statusCode: 201,
    body: { ...txBody(plan, s, t.member_id), reverses: t.id, remaining_to_reverse: left - points },
  };
}

function adjust(
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
    const refused = debit(s, op.memberId, magnitude, plan);
    if (refused) return { problem: refused };
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

function claim(
  op: Extract<LedgerOp, { kind: 'claim' }>,
  s: BatchState,
  c: DecideContext,
): Decision {
  const d = s.drops.get(op.dropId);
  if (!d) return { problem: notFound('drop') };
  const key = `${d.id}:${op.memberId}`;
  const b = memberBalance(s, op.memberId);
  const refusal = claimRefusal(d, c.now, s.claims.get(key) ?? 0, available(b));
  if (refusal) return { problem: claimProblem(refusal) };
  const decision = spend(s, op.memberId, d.pointsPrice, {
    id: op.id,
    kind: 'claim',
    reference: d.id,
    actorId: op.actorId,
  });
  if ('problem' in decision) return decision;
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

function claimProblem(r: NonNullable<ReturnType<typeof claimRefusal>>): ProblemError {
  switch (r.reason) {
    case 'sold-out':
      return new ProblemError(410, 'sold-out', 'Sold out', 'This drop is sold out');
    case 'not-open':
      return conflict('drop-not-open', `The drop opens at ${r.opensAt.toISOString()}`, {
        opens_at: r.opensAt.toISOString(),
      });
    case 'closed':
      return conflict('drop-closed', `The drop closed at ${r.closesAt.toISOString()}`, {
        closes_at: r.closesAt.toISOString(),
      });
    case 'member-limit':
      return conflict('member-limit-reached', `At most ${r.limit} per member`, {
        per_member_limit: r.limit,
      });
    case 'insufficient-points':
      return insufficient(r.available, r.price);
  }
}

function txBody(plan: Plan, s: BatchState, memberId: string): Record<string, unknown> {
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
