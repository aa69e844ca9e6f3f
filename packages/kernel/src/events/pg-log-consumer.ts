import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from 'pino';
import {
  deliver,
  deliverBatch,
  FencedError,
  type RetryPolicy,
  type Subscription,
} from './consumer-runtime.ts';
import type { CloudEvent } from './envelope.ts';
import type { ConsumerHandle } from './event-transport.ts';
import { outboxChannel } from './outbox.ts';
import type { OutboxSignal } from './outbox-signal.ts';
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
  /** This process's commits, seen without waiting for their NOTIFY. */
  signal?: OutboxSignal;
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
 * (txid, position) order, only below the oldest running transaction, and delivers what it read
 * in one transaction with the offset commit, fenced by partition ownership (a batch that fails
 * is delivered again one event at a time, so a poison event is isolated).
 */
export async function startPgLogConsumer(o: PgConsumerOptions): Promise<ConsumerHandle> {
  const membership = createMembership({ ...o, group: o.sub.group, topics: o.sub.topics });
  await membership.ensurePartitionRows();
  let stopping = false;
  const waker = createWaker();
  // Woken only for our topics (a NOTIFY without a topic wakes everyone).
  const ours = (topic: string): boolean => topic === '' || o.sub.topics.includes(topic);
  // After a lost connection is back, look at once: notices sent meanwhile were missed.
  const unlisten = await o.db.listen(outboxChannel, (t) => ours(t) && waker.wake(), waker.wake);
  const unsignal = o.signal?.onCommitted((t) => ours(t) && waker.wake());
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
        if (counts.every((n) => n === 0) && !stopping) await waker.idle(o.pollMaxMs);
      } catch (err) {
        if (!stopping)
          o.log.warn({ err, group: o.sub.group }, 'event consumer loop failed; retrying');
        if (!stopping) await waker.idle(o.pollMaxMs);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      waker.wake();
      await loop;
      unsignal?.();
      await unlisten();
      await membership.leave().catch(() => undefined);
    },
  };
}

/**
 * Sleep until woken or `ms` passed. A wake-up while the loop is busy is kept, so the next idle
 * returns at once: the commit it announces may not have been visible to the read just made.
 */
function createWaker() {
  let pending = false;
  let resolveIdle: (() => void) | undefined;
  return {
    wake: (): void => {
      if (resolveIdle) resolveIdle();
      else pending = true;
    },
    idle: (ms: number): Promise<void> => {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          resolveIdle = undefined;
          resolve();
        }
        resolveIdle = done;
      });
    },
  };
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
  const handled = rows.length === 0 ? 0 : await deliverRows(o, p, rows, isStopping);
  // Counting costs a query: only when the batch came back full (there may be more behind it).
  if (o.onLag) o.onLag(p.topic, p.partition, rows.length === o.batchMax ? await lagOf(o, p) : 0);
  return handled;
}

/** The rows in one transaction; one by one when that fails. Returns how many were handled. */
async function deliverRows(
  o: PgConsumerOptions,
  p: PartitionRef,
  rows: readonly Row[],
  isStopping: () => boolean,
): Promise<number> {
  try {
    const batch = await deliverBatch({
      db: o.db,
      sub: o.sub,
      events: rows.map((r) => r.event),
      inTx: (q) => commitOffset(q, o, p, rows[rows.length - 1]!),
    });
    if (batch) return rows.length;
    let handled = 0;
    for (const row of rows) {
      if (isStopping()) break;
      await deliver({
        db: o.db,
        sub: o.sub,
        event: row.event,
        topic: p.topic,
        policy: o.policy,
        isStopping,
        inTx: (q) => commitOffset(q, o, p, row),
      });
      handled++;
    }
    return handled;
  } catch (err) {
    if (err instanceof FencedError) return 0; // another member owns it now
    throw err;
  }
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
