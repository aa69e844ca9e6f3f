/**
 * Did a request change the database? A row trigger on every table of every service schema
 * logs each row written to `fuzz_audit.changes`; a request changed nothing when what it logged
 * nets out (below). Sound (a committed insert, update or delete of any row shows; a
 * rolled-back one does not, nor an UPDATE that matched no row) and cheap (one indexed read per
 * check, whatever the data). Tables that record the handling rather than an effect are left
 * out, each with its reason.
 */
import type { Db } from '@redemption/kernel';

const auditSchema = 'fuzz_audit';
const settleTimeoutMs = 10_000;
const settlePollMs = 20;

/** Written by the runtime whatever the request did, or by timers while the fuzzer runs. */
export const unaudited: Record<string, string> = {
  'kernel.idempotency_keys': 'stores the answer to a key, refusals included: that is its job',
  'kernel.schema_migrations': 'migrations, before the fuzzer starts',
  'kernel.consumer_partitions': 'consumer offsets and leases, renewed on a timer',
  'kernel.consumer_members': 'consumer heartbeats',
  'kernel.inbox': 'consumers record events they handled (effects of accepted writes)',
  'loyalty.ledger_verification': 'the scheduled reconciliation records its runs',
  'loyalty.ledger_verified_balances': 'the scheduled reconciliation records its runs',
  'analytics.engine': 'the stream engine: its watermark moves on a timer (analytics has no writes)',
  'analytics.pane_counters': 'the stream engine counts consumed events and prunes on a timer',
  'analytics.windows': 'the stream engine fires windows on a timer',
  'analytics.results': 'the stream engine fires windows on a timer',
};

/**
 * Writes a background worker makes on its own timer, whatever request is in flight: left out by
 * kind only, so the same table's other writes (a send's INSERT of a delivery) are still seen.
 */
export const timerWrites: Record<string, string> = {
  'UPDATE notifications.deliveries': 'the delivery worker leases, sends and settles deliveries',
  'INSERT notifications.mailbox': 'the delivery worker records what it sent (dev mailbox)',
  'DELETE notifications.mailbox': 'the mailbox prune job',
  'INSERT notifications.daily_runs': 'the daily jobs record their runs',
  'INSERT notifications.drop_announcements': 'the drop announcer, on a timer',
  'UPDATE identity.email_changes':
    'the delivery worker asks identity for a fresh link token as it sends the mail (a refused confirm that consumed a token is not seen)',
  'UPDATE identity.password_resets': 'the same for a password reset link',
};

/**
 * Each row written is logged as what left (-1, the old row's digest) and what came (+1, the
 * new row's): an UPDATE is both. A request changed nothing when, per table and digest, the
 * sums are 0: a lock row inserted and deleted again (payments' pending attempt, refused with
 * 422) is no change, as the API promises.
 */
const auditSql = `
CREATE SCHEMA IF NOT EXISTS ${auditSchema};
CREATE TABLE IF NOT EXISTS ${auditSchema}.changes (
  id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, digest text NOT NULL, delta int NOT NULL);
CREATE OR REPLACE FUNCTION ${auditSchema}.record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ${auditSchema}.changes (tbl, op, digest, delta) VALUES (t, TG_OP, md5(to_jsonb(OLD)::text), -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ${auditSchema}.changes (tbl, op, digest, delta) VALUES (t, TG_OP, md5(to_jsonb(NEW)::text), 1);
  END IF;
  RETURN NULL;
END $$;`;

/** Every base table outside the system, audit and public schemas. */
async function serviceTables(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_type = 'BASE TABLE'
        AND table_schema NOT IN ('pg_catalog', 'information_schema', 'public', $1)
      ORDER BY 1`,
    [auditSchema],
  );
  return rows.map((r) => r.t).filter((t) => !(t in unaudited));
}

export interface DbChanges {
  /** The audited tables. */
  tables: string[];
  /** A mark to compare against later. */
  mark(): Promise<number>;
  /** Tables changed since `mark` (empty: nothing). */
  since(mark: number): Promise<string[]>;
  /** Waits until every consumer group has read every event written so far. */
  settle(): Promise<void>;
}

export async function auditDbChanges(db: Db): Promise<DbChanges> {
  await db.exec(auditSql);
  const tables = await serviceTables(db);
  for (const t of tables)
    await db.exec(
      `CREATE OR REPLACE TRIGGER fuzz_audit AFTER INSERT OR UPDATE OR DELETE ON ${t}
         FOR EACH ROW EXECUTE FUNCTION ${auditSchema}.record()`,
    );
  return {
    tables,
    async mark() {
      const { rows } = await db.query<{ m: string }>(
        `SELECT coalesce(max(id), 0) AS m FROM ${auditSchema}.changes`,
      );
      return Number(rows[0]!.m);
    },
    async since(mark) {
      const { rows } = await db.query<{ tbl: string; op: string; digest: string; delta: number }>(
        `SELECT tbl, op, digest, delta FROM ${auditSchema}.changes WHERE id > $1 ORDER BY id`,
        [mark],
      );
      return netChanges(rows.filter((r) => !(`${r.op} ${r.tbl}` in timerWrites)));
    },
    settle: () => settle(db),
  };
}

/** `OP table` for each table whose rows did not come back to what they were. */
function netChanges(
  rows: ReadonlyArray<{ tbl: string; op: string; digest: string; delta: number }>,
) {
  const sums = new Map<string, number>();
  const ops = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = `${r.tbl} ${r.digest}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(r.delta));
    ops.set(r.tbl, (ops.get(r.tbl) ?? new Set()).add(r.op));
  }
  const changed = new Set([...sums].filter(([, n]) => n !== 0).map(([k]) => k.split(' ')[0]!));
  return [...changed].sort().map((t) => `${[...ops.get(t)!].sort().join('/')} ${t}`);
}

/** Every group's offset at or past the last event of each partition it reads. */
async function settle(db: Db): Promise<void> {
  const deadline = Date.now() + settleTimeoutMs;
  for (;;) {
    const { rows } = await db.query<{ behind: string }>(
      `SELECT count(*) AS behind FROM kernel.consumer_partitions c
        WHERE EXISTS (SELECT 1 FROM kernel.outbox o
                       WHERE o.topic = c.topic AND o.partition = c.partition
                         AND o.position > c.offset_position)`,
    );
    if (Number(rows[0]!.behind) === 0) return;
    if (Date.now() > deadline) throw new Error('event consumers did not catch up');
    await new Promise((r) => setTimeout(r, settlePollMs));
  }
}
