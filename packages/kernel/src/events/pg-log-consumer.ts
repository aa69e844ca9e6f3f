import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from 'pino';
import { deliver, FencedError, type RetryPolicy, type Subscription } from './consumer-runtime.ts';
import type { CloudEvent } from './envelope.ts';
import type { ConsumerHandle } from './event-transport.ts';
import { outboxChannel } from './outbox.ts';
import { createMembership, type PartitionRef } from './pg-group-membership.ts';

export interface PgConsumerOptions {
  db: Db;
  sub: Subscription;
  memberId: string;
  partitions: (topic: string) => number;
  policy: RetryPolicy;
  log: Pick<Logger, 'warn' | 'error' | 'info'>;
  batchMax: number;
  pollMaxMs: number;
  leaseMs: number;
  onLag?: (topic: string, partition: number, lag: number) => void;
}

interface Row {
  position: number;
  txid: string;
  event: CloudEvent;
}

const lagCountMax = 100_000;

/**
 * A consumer-group member on the pg log (the outbox table). Reads each owned partition in
 * (txid, position) order, only below the oldest running transaction, and commits its offset
 * in the same transaction as the handler's effect, fenced by partition ownership.
 */
export async function startPgLogConsumer(o: PgConsumerOptions): Promise<ConsumerHandle> {
  const membership = createMembership({ ...o, group: o.sub.group, topics: o.sub.topics });
  await membership.ensurePartitionRows();
  let stopping = false;
  let wake: (() => void) | undefined;
  const unlisten = await o.db.listen(outboxChannel, () => wake?.());
  let owned: PartitionRef[] = [];
  let lastHeartbeatMs = 0;

  const loop = (async () => {
    while (!stopping) {
      try {
        if (Date.now() - lastHeartbeatMs > o.leaseMs / 3) {
          owned = await membership.heartbeat();
          lastHeartbeatMs = Date.now();
        }
        const counts = await Promise.all(owned.map((p) => drainPartition(o, p, () => stopping)));
        if (counts.every((n) => n === 0) && !stopping) await idle(o.pollMaxMs, (w) => (wake = w));
      } catch (err) {
        if (!stopping)
          o.log.warn({ err, group: o.sub.group }, 'event consumer loop failed; retrying');
        if (!stopping) await idle(o.pollMaxMs, (w) => (wake = w));
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await unlisten();
      await membership.leave().catch(() => undefined);
    },
  };
}

function idle(ms: number, setWake: (w: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    setWake(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Reads and delivers one batch of a partition, in order. Returns how many events it handled. */
async function drainPartition(
  o: PgConsumerOptions,
  p: PartitionRef,
  isStopping: () => boolean,
): Promise<number> {
  const { rows: offsets } = await o.db.query<{ offset_txid: string; offset_position: number }>(
    `SELECT offset_txid::text, offset_position FROM kernel.consumer_partitions
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND owner = $4`,
    [o.sub.group, p.topic, p.partition, o.memberId],
  );
  const from = offsets[0];
  if (!from) return 0;
  const { rows } = await o.db.query<Row>(
    `SELECT position, txid::text, event FROM kernel.outbox
     WHERE topic = $1 AND partition = $2 AND (txid, position) > ($3::xid8, $4::bigint)
       AND txid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY kernel.outbox.txid /* the column, not its ::text alias */ , kernel.outbox.position LIMIT $5`,
    [p.topic, p.partition, from.offset_txid, from.offset_position, o.batchMax],
  );
  let handled = 0;
  for (const row of rows) {
    if (isStopping()) break;
    try {
      await deliver({
        db: o.db,
        sub: o.sub,
        event: row.event,
        topic: p.topic,
        policy: o.policy,
        isStopping,
        inTx: (q) => commitOffset(q, o, p, row),
      });
    } catch (err) {
      if (err instanceof FencedError) return handled; // another member owns it now
      throw err;
    }
    handled++;
  }
  // Counting costs a query: only when the batch came back full (there may be more behind it).
  if (o.onLag) o.onLag(p.topic, p.partition, rows.length === o.batchMax ? await lagOf(o, p) : 0);
  return handled;
}

async function commitOffset(
  q: Queryable,
  o: PgConsumerOptions,
  p: PartitionRef,
  row: Row,
): Promise<void> {
  const res = await q.query(
    `UPDATE kernel.consumer_partitions SET offset_txid = $5::xid8, offset_position = $6
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND owner = $4`,
    [o.sub.group, p.topic, p.partition, o.memberId, row.txid, row.position],
  );
  if (res.rowCount !== 1)
    throw new FencedError(`partition ${p.topic}/${p.partition} is no longer ours`);
}

async function lagOf(o: PgConsumerOptions, p: PartitionRef): Promise<number> {
  const { rows } = await o.db.query<{ lag: number }>(
    `SELECT count(*)::int AS lag FROM (
       SELECT 1 FROM kernel.outbox o, kernel.consumer_partitions c
       WHERE c.group_name = $1 AND c.topic = $2 AND c.partition = $3
         AND o.topic = c.topic AND o.partition = c.partition
         AND (o.txid, o.position) > (c.offset_txid, c.offset_position)
       LIMIT $4) x`,
    [o.sub.group, p.topic, p.partition, lagCountMax],
  );
  return rows[0]?.lag ?? 0;
}
