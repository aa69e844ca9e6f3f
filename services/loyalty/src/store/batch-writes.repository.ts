import type { Queryable } from '@redemption/kernel';
import { assert } from '../domain/ledger.ts';
import type { Plan } from '../domain/plan.ts';

export const batchWritesRepository = {
  /**
   * Applies the plans of one batch with a handful of set-based statements: every transaction,
   * entry, lot and claim of the batch in one INSERT each, and each account and drop row updated
   * once (hot rows such as program accounts and a drop's stock are touched once per batch).
   * The plans' events are published by the caller, in the same transaction.
   */
  async write(q: Queryable, plans: readonly Plan[]): Promise<void> {
    await insertTransactions(q, plans);
    await insertEntries(q, plans);
    await applyLots(q, plans);
    await applyHolds(q, plans);
    await applyReversals(q, plans);
    await applyClaims(q, plans);
    await applyAccountDeltas(q, plans);
    for (const p of plans) {
      if (p.tier)
        await q.query('UPDATE loyalty.accounts SET tier = $2 WHERE id = $1', [
          p.tier.memberId,
          p.tier.tier,
        ]);
    }
  },
};

async function insertTransactions(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const ts = plans.flatMap((p) => (p.transaction ? [p.transaction] : []));
  if (!ts.length) return;
  await q.query(
    `INSERT INTO loyalty.transactions (id, kind, member_id, points, direction, contra_account, reference, reason, reverses, actor_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::smallint[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[])`,
    [
      ts.map((t) => t.id),
      ts.map((t) => t.kind),
      ts.map((t) => t.memberId),
      ts.map((t) => t.points),
      ts.map((t) => t.direction),
      ts.map((t) => t.contraAccount),
      ts.map((t) => t.reference),
      ts.map((t) => t.reason),
      ts.map((t) => t.reverses),
      ts.map((t) => t.actorId),
    ],
  );
}

async function insertEntries(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const rows = plans.flatMap((p) => p.entries.map((e) => ({ tx: p.transaction!.id, ...e })));
  if (!rows.length) return;
  assert(
    rows.reduce((sum, r) => sum + r.amount, 0) === 0,
    'a batch of balanced transactions must sum to zero',
  );
  await q.query(
    'INSERT INTO loyalty.entries (transaction_id, account_id, amount) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])',
    [rows.map((r) => r.tx), rows.map((r) => r.account), rows.map((r) => r.amount)],
  );
}

async function applyLots(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const lots = plans.flatMap((p) => (p.newLot ? [{ ...p.newLot, tx: p.transaction!.id }] : []));
  if (lots.length) {
    await q.query(
      `INSERT INTO loyalty.lots (id, member_id, transaction_id, points, remaining, qualifying, expires_at)
       SELECT id, m, t, p, p, ql, e FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], $5::boolean[], $6::timestamptz[]) AS x(id, m, t, p, ql, e)`,
      [
        lots.map((l) => l.id),
        lots.map((l) => l.memberId),
        lots.map((l) => l.tx),
        lots.map((l) => l.points),
        lots.map((l) => l.qualifying),
        lots.map((l) => l.expiresAt),
      ],
    );
  }
  const takes = sumBy(plans.flatMap((p) => p.lotTakes.map((t) => [t.lotId, t.points] as const)));
  if (!takes.size) return;
  await q.query(
    'UPDATE loyalty.lots l SET remaining = l.remaining - x.n FROM unnest($1::uuid[], $2::bigint[]) AS x(id, n) WHERE l.id = x.id',
    [[...takes.keys()], [...takes.values()]],
  );
}

async function applyHolds(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const created = plans.flatMap((p) => (p.hold ? [p.hold] : []));
  if (created.length) {
    await q.query(
      `INSERT INTO loyalty.holds (id, member_id, points, status, reference, expires_at)
       SELECT id, m, p, 'active', r, e FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) AS x(id, m, p, r, e)`,
      [
        created.map((h) => h.id),
        created.map((h) => h.memberId),
        created.map((h) => h.points),
        created.map((h) => h.reference),
        created.map((h) => h.expiresAt),
      ],
    );
  }
  for (const u of plans.flatMap((p) => (p.holdUpdate ? [p.holdUpdate] : []))) {
    await q.query(
      'UPDATE loyalty.holds SET status = $2, captured_points = $3, capture_transaction_id = $4 WHERE id = $1',
      [u.id, u.status, u.capturedPoints, u.captureTransactionId],
    );
  }
}

async function applyReversals(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const byTx = sumBy(
    plans.flatMap((p) =>
      p.reversedPoints ? [[p.reversedPoints.transactionId, p.reversedPoints.points] as const] : [],
    ),
  );
  for (const [id, n] of byTx) {
    await q.query(
      'UPDATE loyalty.transactions SET reversed_points = reversed_points + $2 WHERE id = $1',
      [id, n],
    );
  }
}

async function applyClaims(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const claims = plans.flatMap((p) => (p.claim ? [p.claim] : []));
  if (!claims.length) return;
  await q.query(
    'INSERT INTO loyalty.drop_claims (id, drop_id, member_id, transaction_id) SELECT i, d, m, i FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(i, d, m)',
    [claims.map((c) => c.id), claims.map((c) => c.dropId), claims.map((c) => c.memberId)],
  );
  const sold = sumBy(
    plans.flatMap((p) => (p.dropSold ? [[p.dropSold.dropId, p.dropSold.delta] as const] : [])),
  );
  await q.query(
    'UPDATE loyalty.drops d SET sold = d.sold + x.n FROM unnest($1::uuid[], $2::int[]) AS x(id, n) WHERE d.id = x.id',
    [[...sold.keys()], [...sold.values()]],
  );
}

/** One UPDATE for all accounts, in id order (members first, then the hot program rows). */
async function applyAccountDeltas(q: Queryable, plans: readonly Plan[]): Promise<void> {
  const balance = sumBy(plans.flatMap((p) => p.entries.map((e) => [e.account, e.amount] as const)));
  const held = sumBy(plans.flatMap((p) => p.heldDeltas.map((h) => [h.memberId, h.delta] as const)));
  const ids = [...new Set([...balance.keys(), ...held.keys()])].sort();
  if (!ids.length) return;
  // Member rows are already locked; lock the program rows in id order too, so two batches
  // never take them in opposite orders. FOR NO KEY UPDATE (what the UPDATE below needs), not
  // FOR UPDATE: this batch's and other batches' foreign keys to these rows (transactions,
  // entries) already hold FOR KEY SHARE on them, which FOR UPDATE conflicts with, and two
  // batches each upgrading from KEY SHARE deadlock.
  await q.query(
    "SELECT id FROM loyalty.accounts WHERE id = ANY($1) AND kind = 'program' ORDER BY id FOR NO KEY UPDATE",
    [ids],
  );
  await q.query(
    `UPDATE loyalty.accounts a SET balance = a.balance + x.b, held = a.held + x.h
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS x(id, b, h) WHERE a.id = x.id`,
    [ids, ids.map((id) => balance.get(id) ?? 0), ids.map((id) => held.get(id) ?? 0)],
  );
}

function sumBy(pairs: ReadonlyArray<readonly [string, number]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of pairs) out.set(k, (out.get(k) ?? 0) + n);
  return out;
}
