import type { User } from './auth.ts';
import type { Rng } from './prng.ts';

export type OpKind =
  'earn' | 'redeem' | 'hold' | 'capture' | 'release' | 'reverse' | 'adjust' | 'claim';

export interface HoldRef {
  id: string;
  member: User;
  points: number;
}
export interface TxRef {
  id: string;
  memberId: string;
  points: number;
  /** +1 credited the member, -1 debited. */
  direction: 1 | -1;
}

/** One logical operation: a fixed key, actor, path and body, however often it is sent. */
export interface OpSpec {
  kind: OpKind;
  key: string;
  actor: User;
  path: string;
  body: Record<string, unknown>;
  /** The member whose account it touches. */
  memberId: string;
  /** For a reversal: the transaction it reverses. */
  target?: TxRef;
}

/** What the client has seen accepted so far; later ops pick their holds and transactions here. */
export interface Model {
  admin: User;
  members: User[];
  dropIds: string[];
  activeHolds: HoldRef[];
  allHolds: HoldRef[];
  txs: TxRef[];
}

const mix: ReadonlyArray<readonly [OpKind, number]> = [
  ['earn', 12],
  ['redeem', 14],
  ['hold', 18],
  ['capture', 14],
  ['release', 8],
  ['reverse', 10],
  ['adjust', 10],
  ['claim', 14],
];
const earnPointsMax = 400;
const spendPointsMax = 400;
const holdPointsMax = 300;
const adjustPointsMax = 300;
/** Share of ops a member submits for themself rather than an admin for them. */
const selfServiceRate = 0.8;
/** Share of capture/release ops aimed at any hold (often already settled: a 409). */
const staleHoldRate = 0.1;

/** The next operation, drawn from `rng` against what the model knows. */
export function nextOp(rng: Rng, m: Model, key: string): OpSpec {
  let kind = rng.weighted(mix);
  if ((kind === 'capture' || kind === 'release') && m.activeHolds.length === 0) kind = 'hold';
  if (kind === 'reverse' && m.txs.length === 0) kind = 'earn';
  const member = rng.pick(m.members);
  const admin = m.admin;
  const self = rng.chance(selfServiceRate);
  const forMember = (b: Record<string, unknown>) => (self ? b : { ...b, member_id: member.id });
  const base = { kind, key, memberId: member.id };
  switch (kind) {
    case 'earn':
      return {
        ...base,
        actor: admin,
        path: '/api/loyalty/earn',
        body: { member_id: member.id, points: rng.int(1, earnPointsMax), reason: 'verify earn' },
      };
    case 'redeem':
      return {
        ...base,
        actor: self ? member : admin,
        path: '/api/loyalty/redemptions',
        body: forMember({ points: rng.int(1, spendPointsMax) }),
      };
    case 'hold':
      return {
        ...base,
        actor: self ? member : admin,
        path: '/api/loyalty/holds',
        body: forMember({ points: rng.int(1, holdPointsMax), reference: key }),
      };
    case 'capture':
    case 'release':
      return settle(rng, m, kind, key);
    case 'reverse': {
      const t = rng.pick(m.txs);
      const body = rng.chance(0.5)
        ? { reason: 'verify reverse' }
        : { points: rng.int(1, t.points), reason: 'verify reverse' };
      return {
        kind,
        key,
        memberId: t.memberId,
        actor: admin,
        path: `/api/loyalty/transactions/${t.id}/reverse`,
        body,
        target: t,
      };
    }
    case 'adjust': {
      const n = rng.int(1, adjustPointsMax) * (rng.chance(0.5) ? 1 : -1);
      return {
        ...base,
        actor: admin,
        path: '/api/loyalty/adjustments',
        body: { member_id: member.id, points: n, reason: 'verify adjustment' },
      };
    }
    case 'claim':
      return {
        ...base,
        actor: member,
        path: `/api/loyalty/drops/${rng.pick(m.dropIds)}/claims`,
        body: {},
      };
  }
}

function settle(rng: Rng, m: Model, kind: 'capture' | 'release', key: string): OpSpec {
  let h: HoldRef;
  if (rng.chance(staleHoldRate)) h = rng.pick(m.allHolds);
  else {
    const i = rng.int(0, m.activeHolds.length - 1);
    h = m.activeHolds[i]!;
    m.activeHolds.splice(i, 1); // one settle each; stale picks above try again
  }
  const actor = rng.chance(selfServiceRate) ? h.member : m.admin;
  let body: Record<string, unknown> = {};
  if (kind === 'capture' && rng.chance(0.5))
    body = { points: rng.int(1, h.points + (rng.chance(0.1) ? 5 : 0)) };
  return {
    kind,
    key,
    actor,
    memberId: h.member.id,
    path: `/api/loyalty/holds/${h.id}/${kind}`,
    body,
  };
}

/** The transaction a 2xx body names, if any (capture with 0 points and release create none). */
export const transactionIdOf = (body: Record<string, unknown>): string | undefined =>
  typeof body['transaction_id'] === 'string' ? body['transaction_id'] : undefined;

/** Signed change to the member's balance that an accepted op made, from its response body. */
export function balanceDelta(spec: OpSpec, body: Record<string, unknown>): number {
  const points = Number(body['points'] ?? 0);
  switch (spec.kind) {
    case 'earn':
      return points;
    case 'redeem':
    case 'claim':
      return -points;
    case 'capture':
      return -Number(body['captured_points'] ?? 0);
    case 'adjust':
      return Number(body['signed_points']);
    case 'reverse':
      return -spec.target!.direction * points;
    case 'hold':
    case 'release':
      return 0;
  }
}

/** Teaches the model what a first 2xx created, so later ops can capture, release or reverse it. */
export function observe(m: Model, spec: OpSpec, body: Record<string, unknown>): void {
  if (spec.kind === 'hold') {
    const member = m.members.find((u) => u.id === spec.memberId)!;
    const h = { id: String(body['id']), member, points: Number(body['points']) };
    m.activeHolds.push(h);
    m.allHolds.push(h);
    return;
  }
  const id = transactionIdOf(body);
  if (!id) return;
  const delta = balanceDelta(spec, body);
  const points = Math.abs(delta);
  if (points > 0)
    m.txs.push({ id, memberId: spec.memberId, points, direction: delta > 0 ? 1 : -1 });
}
