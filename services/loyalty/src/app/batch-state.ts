import type { Queryable } from '@redemption/kernel';
import type { Balance } from '../domain/ledger.ts';
import type { Drop } from '../domain/drops.ts';
import type { Hold } from '../domain/holds.ts';
import type { Lot } from '../domain/lots.ts';
import type { LedgerOp } from './ledger-ops.ts';
import type { DropRow } from '../store/drops.repository.ts';

export interface TxRow {
  id: string;
  kind: string;
  member_id: string;
  points: number;
  reversed_points: number;
  direction: 1 | -1;
  contra_account: string;
}

/** Everything a batch reads, locked in one fixed order: accounts, holds, drops, transactions. */
export interface BatchState {
  balances: Map<string, Balance & { tier: string }>;
  lots: Map<string, Lot[]>;
  holds: Map<string, Hold>;
  drops: Map<string, Drop>;
  claims: Map<string, number>; // `${dropId}:${memberId}` → claims so far
  txs: Map<string, TxRow>;
  /** Qualifying points over the trailing 12 months, for members who earn or retier in this batch. */
  qualifying: Map<string, number>;
  /** Ids of this batch's earn and reverse ops that already name a committed transaction. */
  applied: Set<string>;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/**
 * Loads and locks what `ops` touch. Locks are taken in one global order (member accounts by
 * id, then holds, drops, transactions by id) so concurrent batches on several pods never
 * deadlock. Holds and transactions are first read unlocked only to learn their member.
 */
export async function loadBatchState(q: Queryable, ops: readonly LedgerOp[]): Promise<BatchState> {
  const holdIds = sorted(
    ops.flatMap((o) => (o.kind === 'capture' || o.kind === 'release' ? [o.holdId] : [])),
  );
  const txIds = sorted(ops.flatMap((o) => (o.kind === 'reverse' ? [o.transactionId] : [])));
  const dropIds = sorted(ops.flatMap((o) => (o.kind === 'claim' ? [o.dropId] : [])));
  const members = new Set(ops.flatMap((o) => ('memberId' in o ? [o.memberId] : [])));
  if (holdIds.length) {
    const r = await q.query<{ member_id: string }>(
      'SELECT member_id FROM loyalty.holds WHERE id = ANY($1::uuid[])',
      [holdIds],
    );
    r.rows.forEach((h) => members.add(h.member_id));
  }
  if (txIds.length) {
    const r = await q.query<{ member_id: string }>(
      'SELECT member_id FROM loyalty.transactions WHERE id = ANY($1::uuid[])',
      [txIds],
    );
    r.rows.forEach((t) => members.add(t.member_id));
  }
  const state: BatchState = {
    balances: new Map(),
    lots: new Map(),
    holds: new Map(),
    drops: new Map(),
    claims: new Map(),
    txs: new Map(),
    qualifying: new Map(),
    applied: new Set(),
  };
  const memberIds = sorted(members);
  const accounts = await q.query<{ id: string; balance: number; held: number; tier: string }>(
    "SELECT id, balance, held, tier FROM loyalty.accounts WHERE id = ANY($1) AND kind = 'member' ORDER BY id FOR UPDATE",
    [memberIds],
  );
  for (const a of accounts.rows)
    state.balances.set(a.id, { balance: a.balance, held: a.held, tier: a.tier });
  await loadLots(q, memberIds, state);
  await loadQualifying(
    q,
    sorted(ops.flatMap((o) => (o.kind === 'earn' || o.kind === 'retier' ? [o.memberId] : []))),
    state,
  );
  await loadApplied(q, ops, state);
  await loadLocked(q, holdIds, dropIds, txIds, state);
  if (dropIds.length) {
    const c = await q.query<{ drop_id: string; member_id: string; n: number }>(
      'SELECT drop_id, member_id, count(*)::int AS n FROM loyalty.drop_claims WHERE drop_id = ANY($1::uuid[]) AND member_id = ANY($2) GROUP BY 1, 2',
      [dropIds, memberIds],
    );
    for (const r of c.rows) state.claims.set(`${r.drop_id}:${r.member_id}`, r.n);
  }
  return state;
}

async function loadLots(q: Queryable, memberIds: string[], state: BatchState): Promise<void> {
  if (!memberIds.length) return;
  const r = await q.query<{ id: string; member_id: string; remaining: number; expires_at: Date }>(
    'SELECT id, member_id, remaining, expires_at FROM loyalty.lots WHERE member_id = ANY($1) AND remaining > 0',
    [memberIds],
  );
  for (const l of r.rows) {
    const list = state.lots.get(l.member_id) ?? [];
    list.push({ id: l.id, remaining: l.remaining, expiresAt: l.expires_at });
    state.lots.set(l.member_id, list);
  }
}

async function loadQualifying(q: Queryable, memberIds: string[], state: BatchState): Promise<void> {
  if (!memberIds.length) return;
  const r = await q.query<{ member_id: string; n: number }>(
    `SELECT member_id, sum(points)::bigint AS n FROM loyalty.lots
     WHERE member_id = ANY($1) AND qualifying AND earned_at > now() - interval '12 months' GROUP BY 1`,
    [memberIds],
  );
  for (const id of memberIds) state.qualifying.set(id, 0);
  for (const row of r.rows) state.qualifying.set(row.member_id, row.n);
}

/**
 * Read after the member rows are locked: a batch applying the same id on another pod holds
 * that member's lock until it commits, so by now its transaction is visible here (READ
 * COMMITTED) and the duplicate is refused instead of failing the whole batch on the primary key.
 */
async function loadApplied(q: Queryable, ops: readonly LedgerOp[], state: BatchState) {
  const ids = sorted(ops.flatMap((o) => (o.kind === 'earn' || o.kind === 'reverse' ? [o.id] : [])));
  if (!ids.length) return;
  const r = await q.query<{ id: string }>(
    'SELECT id FROM loyalty.transactions WHERE id = ANY($1::uuid[])',
    [ids],
  );
  for (const t of r.rows) state.applied.add(t.id);
}

async function loadLocked(
  q: Queryable,
  holdIds: string[],
  dropIds: string[],
  txIds: string[],
  state: BatchState,
): Promise<void> {
  if (holdIds.length) {
    const r = await q.query<{
      id: string;
      member_id: string;
      points: number;
      status: Hold['status'];
      expires_at: Date;
    }>(
      'SELECT id, member_id, points, status, expires_at FROM loyalty.holds WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [holdIds],
    );
    for (const h of r.rows)
      state.holds.set(h.id, {
        id: h.id,
        memberId: h.member_id,
        points: h.points,
        status: h.status,
        expiresAt: h.expires_at,
      });
  }
  if (dropIds.length) {
    const r = await q.query<DropRow>(
      'SELECT id, name, points_price, quantity, sold, per_member_limit, opens_at, closes_at FROM loyalty.drops WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [dropIds],
    );
    for (const d of r.rows) {
      state.drops.set(d.id, {
        id: d.id,
        name: d.name,
        pointsPrice: d.points_price,
        quantity: d.quantity,
        sold: d.sold,
        perMemberLimit: d.per_member_limit,
        opensAt: d.opens_at,
        closesAt: d.closes_at,
      });
    }
  }
  if (txIds.length) {
    const r = await q.query<TxRow>(
      'SELECT id, kind, member_id, points, reversed_points, direction, contra_account FROM loyalty.transactions WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [txIds],
    );
    for (const t of r.rows) state.txs.set(t.id, t);
  }
}
