/**
 * After a logical restore into another PostgreSQL cluster, the rows keep the transaction ids
 * (xid8) of the cluster they were dumped from. The event log reads `kernel.outbox` in
 * (txid, position) order below the oldest running transaction, and the ledger checks read
 * `loyalty.transactions` by snapshot visibility: a restored txid beyond the new cluster's
 * counter looks like a transaction that has not happened yet, so the relay would not send
 * those events and a full verification would skip those ledger rows, silently, until the
 * counter passed them. The fix that keeps every order intact is to advance the new cluster's
 * counter past the highest restored txid (committing empty transactions: ~70,000 a second on a
 * small machine). Restoring into the same cluster, or from a physical snapshot (Aurora PITR,
 * a promoted replica), keeps the history, and nothing is burned.
 */
import type { Db } from '@redemption/kernel';
import { CommandFailed } from './cli-args.ts';

/** Burned in one statement; progress is reported between rounds. */
const burnRoundXids = 200_000;
/** Beyond this (about 15 minutes here) the restore says how to move the counter instead. */
export const burnMaxXids = 50_000_000;

/** The highest xid8 in any xid8 column of `schemas`, or null when there is none. */
async function highestRestoredXid(db: Db, schemas: readonly string[]): Promise<bigint | null> {
  const { rows: columns } = await db.query<{ s: string; t: string; c: string }>(
    `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.udt_name = 'xid8' AND t.table_type = 'BASE TABLE'
        AND c.table_schema = ANY($1::text[])`,
    [schemas],
  );
  let highest: bigint | null = null;
  for (const { s, t, c } of columns) {
    const { rows } = await db.query<{ m: string | null }>(
      `SELECT max("${c}")::text AS m FROM "${s}"."${t}"`,
    );
    const m = rows[0]?.m;
    if (m != null && (highest === null || BigInt(m) > highest)) highest = BigInt(m);
  }
  return highest;
}

/**
 * Advances the cluster's transaction counter past every restored txid; returns how many ids it
 * burned (0 when the cluster is already past them).
 */
export async function alignTransactionIds(
  db: Db,
  schemas: readonly string[],
  progress: (line: string) => void,
): Promise<number> {
  const highest = await highestRestoredXid(db, schemas);
  if (highest === null) return 0;
  const current = async () =>
    BigInt((await db.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
  const gap = highest - (await current()) + 1n;
  if (gap <= 0n) return 0;
  if (gap > BigInt(burnMaxXids))
    throw new CommandFailed(
      `the backup's transaction ids run ${gap} past this cluster's counter (more than ${burnMaxXids} to burn): ` +
        'the data is restored, but the event relay and the ledger checks would not see it. Stop the cluster and ' +
        `move its counter with pg_resetwal --next-transaction-id/--epoch past ${highest}, or restore from a ` +
        'physical snapshot (Aurora point-in-time restore keeps the ids); see docs/runbooks/restore.md',
    );
  progress(`advancing this cluster's transaction counter by ${gap} past the backup's (${highest})`);
  await db.exec('SET synchronous_commit = off');
  for (let left = gap; left > 0n; left = highest - (await current()) + 1n) {
    const round = left < BigInt(burnRoundXids) ? left : BigInt(burnRoundXids);
    await db.exec(
      `DO $$ BEGIN FOR i IN 1..${round} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
    );
  }
  await db.exec('SET synchronous_commit = on');
  return Number(gap);
}
