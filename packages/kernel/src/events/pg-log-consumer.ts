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

/** Where a partition was read up to: the last (txid, position) this group committed. */
interface Offset {
  txid: string;
  position: number;
}

/** One partition's share of a read: its rows in order, and whether later commits wait. */
interface Batch {
  p: PartitionRef;
  rows: Row[];
  /** Committed rows exist beyond what may be read yet (a transaction older than them runs). */
  heldBack: boolean;
}

const lagCountMax = 100_000;
/** A full batch counts the lag at most this often per partition (the count scans the backlog). */
const lagCountIntervalMs = 1_000;
/** First wait before reading again for rows held back by a running transaction; doubles. */
const heldBackRetryMinMs = 20;

const keyOf = (p: PartitionRef): string => `${p.topic}\u0000${p.partition}`;

/**
 * A consumer-group member on the pg log (the outbox table). Reads each owned partition in
 * (txid, position) order, only below the oldest running transaction, and delivers what it read
 * in one transaction with the offset commit, fenced by partition ownership (a batch that fails
 * is delivered again one event at a time, so a poison event is isolated).
 *
 * Cost per wake-up: ONE statement reads a batch of every owned partition. Offsets are kept in
 * memory while owned (this member is the only writer of its rows then, every commit is fenced
 * by `owner`), read again only for partitions newly claimed and after a failure. A wake-up
 * reads all owned partitions rather than the signalled topic's: in one statement the others
 * cost an index probe each, and a commit's notice often comes while an older transaction
 * still holds its rows back, to be read at a later wake-up of any topic. Rows held back are
 * seen by the read, which then looks again after 20 ms, 40 ms… instead of at the next poll.
 */
export async function startPgLogConsumer(o: PgConsumerOptions): Promise<ConsumerHandle> {
  const membership = createMembership({ ...o, group: o.sub.group, topics: o.sub.topics });
  await membership.ensurePartitionRows();
  let stopping = false;
  const isStopping = (): boolean => stopping;
  const waker = createWaker();
  // Woken only for our topics (a NOTIFY without a topic wakes everyone).
  const ours = (topic: string): boolean => topic === '' || o.sub.topics.includes(topic);
  // After a lost connection is back, look at once: notices sent meanwhile were missed.
  const unlisten = await o.db.listen(outboxChannel, (t) => ours(t) && waker.wake(), waker.wake);
  const unsignal = o.signal?.onCommitted((t) => ours(t) && waker.wake());
  const offsets = new Map<string, Offset>();
  const lagCountedAt = new Map<string, number>();
  let owned: PartitionRef[] = [];
  let lastHeartbeatMs = 0;
  let heldBackWaitMs = heldBackRetryMinMs;

  const loop = (async () => {
    while (!stopping) {
      try {
        if (Date.now() - lastHeartbeatMs > o.leaseMs / 3) {
          owned = await heartbeat(membership, offsets);
          lastHeartbeatMs = Date.now();
        }
        if (owned.some((p) => !offsets.has(keyOf(p)))) owned = await loadOffsets(o, offsets);
        const batches = await readBatches(o, owned, offsets);
        const results = await Promise.all(
          batches.map((b) => drainBatch(o, b, offsets, isStopping)),
        );
        // Fenced: another member owns it now; the next heartbeat says what is ours.
        owned = owned.filter((p) => offsets.has(keyOf(p)));
        await reportLag(o, batches, offsets, lagCountedAt);
        if (stopping) break;
        if (batches.some((b, i) => b.rows.length === o.batchMax && results[i]! > 0)) continue;
        if (!batches.some((b) => b.heldBack)) {
          heldBackWaitMs = heldBackRetryMinMs;
          await waker.idle(o.pollMaxMs);
        } else {
          await waker.idle(heldBackWaitMs);
          heldBackWaitMs = Math.min(o.pollMaxMs, heldBackWaitMs * 2);
        }
      } catch (err) {
        offsets.clear(); // a commit may or may not have happened: read them again
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

/** Heartbeats; forgets the offsets of partitions not owned without a break (read them again). */
async function heartbeat(
  membership: ReturnType<typeof createMembership>,
  offsets: Map<string, Offset>,
): Promise<PartitionRef[]> {
  const { kept, claimed } = await membership.heartbeat();
  const keep = new Set(kept.map(keyOf));
  for (const k of offsets.keys()) if (!keep.has(k)) offsets.delete(k);
  return [...kept, ...claimed];
}

/** Reads the offsets of every partition this member owns; returns those partitions. */
async function loadOffsets(
  o: PgConsumerOptions,
  offsets: Map<string, Offset>,
): Promise<PartitionRef[]> {
  const { rows } = await o.db.query<PartitionRef & Offset>(
    `SELECT topic, partition, offset_txid::text AS txid, offset_position AS position
     FROM kernel.consumer_partitions WHERE group_name = $1 AND owner = $2`,
    [o.sub.group, o.memberId],
  );
  offsets.clear();
  for (const r of rows) offsets.set(keyOf(r), { txid: r.txid, position: Number(r.position) });
  return rows.map(({ topic, partition }) => ({ topic, partition }));
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

/**
 * One batch of each partition after its offset, in one statement. Only rows below the oldest
 * running transaction are read (a row that commits late can never be skipped); `held_back`
 * says whether committed rows wait behind that bound (one index probe), so the loop looks
 * again soon instead of at the next poll.
 */
async function readBatches(
  o: PgConsumerOptions,
  parts: readonly PartitionRef[],
  offsets: ReadonlyMap<string, Offset>,
): Promise<Batch[]> {
  if (parts.length === 0) return [];
  const from = parts.map((p) => offsets.get(keyOf(p))!);
  const { rows } = await o.db.query<Row & { i: number; held_back: boolean }>(
    `WITH p AS MATERIALIZED (
       SELECT u.*, s.xmin, EXISTS (
           SELECT 1 FROM kernel.outbox h
           WHERE h.topic = u.topic AND h.partition = u.partition AND h.txid >= s.xmin
         ) AS held_back
       FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) s,
         unnest($1::text[], $2::int[], $3::xid8[], $4::bigint[])
           WITH ORDINALITY AS u(topic, partition, off_txid, off_position, i))
     SELECT p.i::int AS i, p.held_back, r.position, r.txid::text AS txid, r.event
     FROM p LEFT JOIN LATERAL (
       SELECT o.position, o.txid, o.event FROM kernel.outbox o
       WHERE o.topic = p.topic AND o.partition = p.partition
         AND (o.txid, o.position) > (p.off_txid, p.off_position) AND o.txid < p.xmin
       ORDER BY o.txid, o.position LIMIT $5) r ON true
     ORDER BY p.i, r.txid, r.position`,
    [
      parts.map((p) => p.topic),
      parts.map((p) => p.partition),
      from.map((f) => f.txid),
      from.map((f) => f.position),
      o.batchMax,
    ],
  );
  const batches: Batch[] = parts.map((p) => ({ p, rows: [], heldBack: false }));
  for (const r of rows) {
    const b = batches[r.i - 1]!;
    b.heldBack = r.held_back;
    if (r.txid !== null && r.txid !== undefined)
      b.rows.push({ position: Number(r.position), txid: r.txid, event: r.event });
  }
  return batches;
}

/** Delivers one partition's batch, in order. Returns how many events it handled. */
async function drainBatch(
  o: PgConsumerOptions,
  b: Batch,
  offsets: Map<string, Offset>,
  isStopping: () => boolean,
): Promise<number> {
  if (b.rows.length === 0) return 0;
  const key = keyOf(b.p);
  try {
    return await deliverRows(o, b.p, b.rows, isStopping, (row) =>
      offsets.set(key, { txid: row.txid, position: row.position }),
    );
  } catch (err) {
    offsets.delete(key); // fenced, or unknown whether the last commit happened
    if (err instanceof FencedError) return 0;
    throw err;
  }
}

/** Lag per partition: 0 after a batch that was not full, counted (at most every second) else. */
async function reportLag(
  o: PgConsumerOptions,
  batches: readonly Batch[],
  offsets: ReadonlyMap<string, Offset>,
  countedAt: Map<string, number>,
): Promise<void> {
  const onLag = o.onLag;
  if (!onLag) return;
  for (const b of batches) {
    if (b.rows.length < o.batchMax) {
      onLag(b.p.topic, b.p.partition, 0);
      continue;
    }
    const key = keyOf(b.p);
    const from = offsets.get(key);
    if (!from || Date.now() - (countedAt.get(key) ?? 0) < lagCountIntervalMs) continue;
    countedAt.set(key, Date.now());
    onLag(b.p.topic, b.p.partition, await lagOf(o, b.p, from));
  }
}

/**
 * The rows in one transaction; one by one when that fails. Returns how many were handled;
 * `committed` hears of each offset commit. Throws FencedError when the partition is not ours.
 */
async function deliverRows(
  o: PgConsumerOptions,
  p: PartitionRef,
  rows: readonly Row[],
  isStopping: () => boolean,
  committed: (row: Row) => void,
): Promise<number> {
  const last = rows[rows.length - 1]!;
  const batch = await deliverBatch({
    db: o.db,
    sub: o.sub,
    events: rows.map((r) => r.event),
    inTx: (q) => commitOffset(q, o, p, last),
  });
  if (batch) {
    committed(last);
    return rows.length;
  }
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
    committed(row);
    handled++;
  }
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

/** Rows after the offset (up to lagCountMax), read or not yet readable. */
async function lagOf(o: PgConsumerOptions, p: PartitionRef, from: Offset): Promise<number> {
  const { rows } = await o.db.query<{ lag: number }>(
    `SELECT count(*)::int AS lag FROM (
       SELECT 1 FROM kernel.outbox
       WHERE topic = $1 AND partition = $2 AND (txid, position) > ($3::xid8, $4::bigint)
       LIMIT $5) x`,
    [p.topic, p.partition, from.txid, from.position, lagCountMax],
  );
  return rows[0]?.lag ?? 0;
}
