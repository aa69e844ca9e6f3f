import type { Queryable } from '@redemption/kernel';
import { claimKey, emptyBatchState, type BatchState } from '../domain/batch-state.ts';
import type { Hold } from '../domain/holds.ts';
import type { LedgerOp } from '../domain/ledger-ops.ts';
import { dropFromRow, type DropRow } from './drops.repository.ts';

interface TxRow {
  id: string;
  kind: string;
  member_id: string;
  points: number;
  reversed_points: number;
  direction: 1 | -1;
  contra_account: string;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** What a batch of ops touches besides member accounts, each list sorted (the lock order). */
function touched(ops: readonly LedgerOp[]) {
  return {
    holdIds: sorted(
      ops.flatMap((o) => (o.kind === 'capture' || o.kind === 'release' ? [o.holdId] : [])),
    ),
    txIds: sorted(ops.flatMap((o) => (o.kind === 'reverse' ? [o.transactionId] : []))),
    dropIds: sorted(ops.flatMap((o) => (o.kind === 'claim' ? [o.dropId] : []))),
  };
}

export const batchStateRepository = {
  /**
   * Loads and locks what `ops` touch. Locks are taken in one global order (member accounts by
   * id, then holds, drops, transactions by id) so concurrent batches on several pods never
   * deadlock. Holds and transactions are first read unlocked only to learn their member.
   */
  async lockFor(q: Queryable, ops: readonly LedgerOp[]): Promise<BatchState> {
    const { holdIds, txIds, dropIds } = touched(ops);
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
    const state = emptyBatchState();
    const memberIds = sorted(members);
    await lockAccounts(q, memberIds, state);
    await loadLots(q, memberIds, state);
    await loadQualifying(
      q,
      sorted(ops.flatMap((o) => (o.kind === 'earn' || o.kind === 'retier' ? [o.memberId] : []))),
      state,
    );
    await loadApplied(q, ops, state);
    await lockHolds(q, holdIds, state);
    await lockDrops(q, dropIds, state);
    await lockTransactions(q, txIds, state);
    await loadClaims(q, dropIds, memberIds, state);
    return state;
  },
};

async function lockAccounts(q: Queryable, memberIds: string[], state: BatchState): Promise<void> {
  const accounts = await q.query<{ id: string; balance: number; held: number; tier: string }>(
    "SELECT id, balance, held, tier FROM loyalty.accounts WHERE id = ANY($1) AND kind = 'member' ORDER BY id FOR UPDATE",
    [memberIds],
  );
  for (const a of accounts.rows)
    state.balances.set(a.id, { balance: a.balance, held: a.held, tier: a.tier });
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

async function lockHolds(q: Queryable, holdIds: string[], state: BatchState): Promise<void> {
  if (!holdIds.length) return;
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

async function lockDrops(q: Queryable, dropIds: string[], state: BatchState): Promise<void> {
  if (!dropIds.length) return;
  const r = await q.query<DropRow>(
    'SELECT id, name, points_price, quantity, sold, per_member_limit, opens_at, closes_at FROM loyalty.drops WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [dropIds],
  );
  for (const d of r.rows) state.drops.set(d.id, dropFromRow(d));
}

async function lockTransactions(q: Queryable, txIds: string[], state: BatchState): Promise<void> {
  if (!txIds.length) return;
  const r = await q.query<TxRow>(
    'SELECT id, kind, member_id, points, reversed_points, direction, contra_account FROM loyalty.transactions WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [txIds],
  );
  for (const t of r.rows)
    state.txs.set(t.id, {
      id: t.id,
      kind: t.kind,
      memberId: t.member_id,
      points: t.points,
      reversedPoints: t.reversed_points,
      direction: t.direction,
      contraAccount: t.contra_account,
    });
}

async function loadClaims(
  q: Queryable,
  dropIds: string[],
  memberIds: string[],
  state: BatchState,
): Promise<void> {
  if (!dropIds.length) return;
  const c = await q.query<{ drop_id: string; member_id: string; n: number }>(
    'SELECT drop_id, member_id, count(*)::int AS n FROM loyalty.drop_claims WHERE drop_id = ANY($1::uuid[]) AND member_id = ANY($2) GROUP BY 1, 2',
    [dropIds, memberIds],
  );
  for (const r of c.rows) state.claims.set(claimKey(r.drop_id, r.member_id), r.n);
}
