import {
  compatibilityPartitioner,
  Producer,
  ProduceAcks,
  stringSerializer,
} from '@platformatic/kafka';
import type { Db, Queryable } from '../db/db.ts';
import {
  clientOptions,
  closeTimeoutMs,
  createSleeper,
  failureBackoffMs,
  withTimeout,
  type KafkaLog,
} from './kafka-clients.ts';
import { outboxChannel } from './outbox.ts';
import type { OutboxSignal } from './outbox-signal.ts';
import { withSendSpan } from '../tracing/tracing.ts';

/** Advisory lock that makes one relay at a time, across processes, move the outbox ("RELY"). */
export const relayLockKey = 0x5245_4c59;
/** A batch stops growing at this many bytes of event JSON (well under a broker request). */
const relayBatchBytesMax = 512 * 1024;
/**
 * An event bigger than this cannot be produced with the broker's default `message.max.bytes`
 * (1 MiB); it is marked relayed without being sent (and logged) so it cannot stall the relay.
 * The row stays in the outbox for an operator.
 */
const relayEventBytesMax = 900 * 1024;
/** One send (all partitions, until all acks) must finish within this (ms); else the batch is retried. */
const relaySendTimeoutMs = 30_000;
const relayBackoffBaseMs = 250;
const relayBackoffMaxMs = 10_000;

interface OutboxRow {
  position: number;
  topic: string;
  key: string;
  event: string;
  /** The publisher's context (tracing on when it was published), for the send span's links. */
  traceparent: string | null;
}

type RelayProducer = Producer<string, string, string, string>;

export interface KafkaRelayOptions {
  db: Db;
  brokers: readonly string[];
  clientId: string;
  log: KafkaLog;
  /** Rows per transaction at most. */
  batchMax: number;
  /** Upper bound between two looks at the outbox when no NOTIFY arrives (ms). */
  pollMaxMs: number;
  /**
   * Makes sure a topic exists before the first send to it (the broker does not auto-create):
   * a row for an unknown topic would otherwise stall the relay for every topic.
   */
  ensureTopic(topic: string): Promise<void>;
  /** Commits of this process's publishers: looked at without waiting for their NOTIFY. */
  signal?: OutboxSignal;
}

export interface KafkaRelay {
  /** Finishes the batch in hand, then stops; closes the producer. */
  stop(): Promise<void>;
}

type BatchResult = { kind: 'locked' } | { kind: 'relayed'; count: number; more: boolean };

/**
 * Moves committed outbox rows to Kafka in (txid, position) order: in one database transaction
 * it takes the relay lock, reads a batch, produces it (idempotent producer, acks = all), waits
 * for the acks and marks the rows relayed. A crash between the acks and the commit only sends
 * the batch again (duplicates on the wire; consumers dedupe by event id).
 */
export function startKafkaRelay(o: KafkaRelayOptions): KafkaRelay {
  const sleeper = createSleeper();
  let stopping = false;
  let producer: RelayProducer | undefined;

  const newProducer = (): RelayProducer => {
    const p = new Producer<string, string, string, string>({
      ...clientOptions(`${o.clientId}-relay`, o.brokers),
      idempotent: true,
      acks: ProduceAcks.ALL,
      // Java-client compatible murmur2 on the key: one key, one partition, same as other clients.
      partitioner: compatibilityPartitioner,
      serializers: { key: stringSerializer, value: stringSerializer },
    });
    p.on('error', (err: Error) => o.log.warn({ err }, 'Kafka relay producer error'));
    return p;
  };

  // After a failed or timed-out send the producer's sequence numbers may no longer match the
  // broker's: a fresh producer (new producer id) starts clean. Late acks of the old one only
  // mean duplicates.
  const discardProducer = async (): Promise<void> => {
    const p = producer;
    producer = undefined;
    if (p)
      await withTimeout(p.close(true), closeTimeoutMs, 'closing the relay producer').catch(
        () => undefined,
      );
  };

  const relayBatch = (): Promise<BatchResult> =>
    o.db.tx(async (q): Promise<BatchResult> => {
      const lock = await q.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [relayLockKey],
      );
      if (lock.rows[0]?.locked !== true) return { kind: 'locked' };
      const { rows } = await q.query<OutboxRow>(
        `SELECT position, topic, key, event::text AS event, event->>'traceparent' AS traceparent
         FROM kernel.outbox
         WHERE relayed_at IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY txid, position LIMIT $1`,
        [o.batchMax],
      );
      if (rows.length === 0) return { kind: 'relayed', count: 0, more: false };
      const { send, oversized, cut } = takeBatch(rows);
      for (const r of oversized) {
        o.log.error(
          { position: r.position, topic: r.topic, bytes: Buffer.byteLength(r.event) },
          'outbox event too large for Kafka; marked relayed without sending it',
        );
      }
      if (send.length > 0) {
        const topics = new Set(send.map((r) => r.topic));
        for (const topic of topics) await o.ensureTopic(topic);
        const p = (producer ??= newProducer());
        try {
          const traceparents = send.map((r) => r.traceparent);
          await withSendSpan('kafka', topics, traceparents, () =>
            withTimeout(
              p.send({
                messages: send.map((r) => ({ topic: r.topic, key: r.key, value: r.event })),
              }),
              relaySendTimeoutMs,
              'producing the relay batch',
            ),
          );
        } catch (err) {
          await discardProducer();
          throw err;
        }
      }
      await markRelayed(q, [...send, ...oversized]);
      return { kind: 'relayed', count: send.length, more: cut || rows.length === o.batchMax };
    });

  const loop = (async () => {
    let unlisten: (() => Promise<void>) | undefined;
    const unsignal = o.signal?.onCommitted(() => sleeper.wake());
    try {
      // Woken on reconnection too: notices sent while the connection was lost were missed.
      unlisten = await o.db.listen(outboxChannel, sleeper.wake, sleeper.wake);
    } catch (err) {
      o.log.warn({ err }, 'relay could not LISTEN for outbox notifications; polling only');
    }
    let failures = 0;
    while (!stopping) {
      try {
        const r = await relayBatch();
        failures = 0;
        if (r.kind === 'locked' || !r.more) await sleeper.sleep(o.pollMaxMs);
      } catch (err) {
        failures++;
        o.log.warn({ err, failures }, 'Kafka relay batch failed; retrying');
        await sleeper.sleep(failureBackoffMs(failures, relayBackoffBaseMs, relayBackoffMaxMs));
      }
    }
    unsignal?.();
    await unlisten?.().catch(() => undefined);
  })();

  return {
    async stop() {
      stopping = true;
      sleeper.close();
      await loop;
      await discardProducer();
    },
  };
}

/** The longest prefix within the byte budget (at least one row); oversized rows are set aside. */
function takeBatch(rows: readonly OutboxRow[]): {
  send: OutboxRow[];
  oversized: OutboxRow[];
  cut: boolean;
} {
  const send: OutboxRow[] = [];
  const oversized: OutboxRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = Buffer.byteLength(r.event) + Buffer.byteLength(r.key);
    if (size > relayEventBytesMax) {
      oversized.push(r);
      continue;
    }
    if (send.length > 0 && bytes + size > relayBatchBytesMax) return { send, oversized, cut: true };
    send.push(r);
    bytes += size;
  }
  return { send, oversized, cut: false };
}

async function markRelayed(q: Queryable, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query('UPDATE kernel.outbox SET relayed_at = now() WHERE position = ANY($1::bigint[])', [
    rows.map((r) => r.position),
  ]);
}
