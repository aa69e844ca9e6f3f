import { createHash } from 'node:crypto';
import {
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { Db } from '../db/db.ts';
import { newId } from '../ids.ts';
import { deliver, deliverBatch, type RetryPolicy, type Subscription } from './consumer-runtime.ts';
import type { CloudEvent } from './envelope.ts';
import type { ConsumerHandle } from './event-transport.ts';
import {
  clientOptions,
  closeTimeoutMs,
  createSleeper,
  failureBackoffMs,
  withTimeout,
  type KafkaLog,
} from './kafka-clients.ts';

/** Messages taken from the stream and not finished yet (all partitions); fetching pauses above. */
const inFlightMax = 64;
/** Fetching resumes once the in-flight count is back down to this. */
const inFlightResumeAt = inFlightMax / 2;
/** Messages the client's stream may buffer ahead of us (its highWaterMark). */
const streamBufferMax = 64;
/** Bytes one fetch may return. */
const fetchBytesMax = 4 * 1024 * 1024;
/** How long the broker may hold a fetch open waiting for data (ms): the idle latency bound. */
const fetchWaitMaxMs = 500;
/** A member that sends no heartbeat for this long is dropped from the group (ms). */
const sessionTimeoutMs = 10_000;
/** Heartbeats are also how a member learns of a rebalance, so they are frequent (ms). */
const heartbeatIntervalMs = 1_000;
/** How long the coordinator waits for every member to rejoin during a rebalance (ms). */
const rebalanceTimeoutMs = 30_000;
/** Consumer lag is reported this often when metrics are on (ms). */
const lagIntervalMs = 10_000;
/** Backoff when the message stream fails and is re-created (ms). */
const restartBackoffBaseMs = 250;
const restartBackoffMaxMs = 10_000;
/** Backoff when delivery fails for an infrastructure reason (database down) (ms). */
const deliverBackoffBaseMs = 250;
const deliverBackoffMaxMs = 10_000;
/** stop() waits at most this long for the events in hand to finish (ms). */
const stopDrainMaxMs = 30_000;
/** Reasons stored with an unreadable message are cut to this many characters. */
const reasonMax = 500;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

export interface KafkaConsumerOptions {
  db: Db;
  brokers: readonly string[];
  clientId: string;
  sub: Subscription;
  policy: RetryPolicy;
  log: KafkaLog;
  onLag?: (topic: string, partition: number, lag: number) => void;
}

/**
 * One partition's queue: events run in the order the stream gave them; what arrived while the
 * previous batch ran is delivered as the next batch, in one transaction.
 */
interface Lane {
  tail: Promise<void>;
  /** Taken from the stream, not started yet. */
  queued: KafkaMessage[];
  /** The last message whose event finished (effect + inbox committed, or dead-lettered). */
  done: KafkaMessage | undefined;
  /** The next offset we have committed for this partition. */
  committed: bigint;
  committing: Promise<void> | undefined;
}

/**
 * A member of consumer group `sub.group`. One message stream feeds per-partition lanes:
 * partitions run in parallel, the events of one partition strictly in order. A message's
 * offset is committed only after its event finished, and per partition in order, so a
 * restart or rebalance resumes at the first unfinished event (earlier ones come again and
 * are skipped by the inbox).
 */
export async function startKafkaConsumer(o: KafkaConsumerOptions): Promise<ConsumerHandle> {
  const { sub, log } = o;
  const group = sub.group;
  const sleeper = createSleeper();
  const lanes = new Map<string, Lane>();
  let stopping = false;
  let inFlight = 0;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let pausedByUs = false;
  let streamFailures = 0;
  const isStopping = (): boolean => stopping;

  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...clientOptions(o.clientId, o.brokers),
    groupId: group,
    autocommit: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    rebalanceTimeout: rebalanceTimeoutMs,
    maxWaitTime: fetchWaitMaxMs,
    maxBytes: fetchBytesMax,
    highWaterMark: streamBufferMax,
  });
  // An 'error' event without a listener would throw and take the process down.
  consumer.on('error', (err: Error) => log.warn({ err, group }, 'Kafka consumer error'));
  consumer.on('consumer:heartbeat:error', ({ error }) =>
    log.debug({ err: error, group }, 'Kafka heartbeat failed'),
  );
  consumer.on('consumer:lag:error', (err) => log.debug({ err, group }, 'Kafka lag check failed'));
  if (o.onLag) {
    const onLag = o.onLag;
    consumer.on('consumer:lag', (lag) => {
      for (const [topic, partitions] of lag) {
        // -1: not assigned to this member; -2: not asked for.
        partitions.forEach((n, partition) => n >= 0n && onLag(topic, partition, Number(n)));
      }
    });
    consumer.startLagMonitoring({ topics: [...sub.topics] }, lagIntervalMs);
  }

  /** Commits the lane's last finished offset, coalescing: one commit in flight per partition. */
  const flushCommits = async (lane: Lane): Promise<void> => {
    try {
      for (let m = lane.done; m && m.offset + 1n > lane.committed; m = lane.done) {
        // The stream's commit: monotonic per partition, and keeps the client's lag figures current.
        await m.commit();
        lane.committed = m.offset + 1n;
      }
    } catch (err) {
      // Typically a rebalance took the partition away; the next finished event retries.
      log.warn(
        { err, group, topic: lane.done?.topic, partition: lane.done?.partition },
        'Kafka offset commit failed',
      );
    }
  };
  const commitLane = (lane: Lane): Promise<void> => {
    // `.finally` runs after the assignment even when the flush has nothing to do.
    lane.committing ??= flushCommits(lane).finally(() => {
      lane.committing = undefined;
    });
    return lane.committing;
  };

  /** Runs `work` until it succeeds; false when stopping first (the event stays uncommitted). */
  const untilDone = async (m: KafkaMessage, work: () => Promise<unknown>): Promise<boolean> => {
    for (let failures = 1; ; failures++) {
      try {
        await work();
        return true;
      } catch (err) {
        if (stopping) return false;
        log.warn(
          {
            err,
            group,
            topic: m.topic,
            partition: m.partition,
            offset: String(m.offset),
            failures,
          },
          'event delivery failed; retrying',
        );
        await sleeper.sleep(failureBackoffMs(failures, deliverBackoffBaseMs, deliverBackoffMaxMs));
        if (stopping) return false;
      }
    }
  };

  const handle = async (lane: Lane, m: KafkaMessage): Promise<void> => {
    if (stopping) return; // not started: stays uncommitted, the next owner gets it
    const decoded = decode(m);
    const finished = await untilDone(m, async () => {
      if (decoded.kind === 'unreadable')
        return deadLetterUnreadable(o.db, group, m, decoded.reason);
      try {
        await deliver({
          db: o.db,
          sub,
          event: decoded.event,
          topic: m.topic,
          policy: o.policy,
          isStopping,
        });
      } catch (err) {
        // A data error (SQLSTATE class 22, e.g. a \u0000 PostgreSQL cannot store) never heals:
        // keep the raw message as a dead letter instead of retrying forever. (When stopping,
        // deliver rethrows the handler's own error: that one is not ours to judge.)
        if (stopping || !isDataError(err)) throw err;
        await deadLetterUnreadable(
          o.db,
          group,
          m,
          `event cannot be stored: ${(err as Error).message}`,
        );
      }
    });
    if (!finished) return;
    lane.done = m;
    void commitLane(lane);
  };

  /**
   * What queued up behind the last batch, in one transaction (effects + inbox rows); when that
   * fails, or a message is unreadable, one by one (`handle`: retries, dead letters).
   */
  const handleQueued = async (lane: Lane, batch: KafkaMessage[]): Promise<void> => {
    if (stopping) return;
    const decoded = batch.map(decode);
    const events = decoded.flatMap((d) => (d.kind === 'event' ? [d.event] : []));
    if (batch.length > 1 && events.length === batch.length) {
      const done = await deliverBatch({ db: o.db, sub, events }).catch(() => undefined);
      if (done) {
        lane.done = batch[batch.length - 1];
        void commitLane(lane);
        return;
      }
    }
    for (const m of batch) await handle(lane, m);
  };

  const resumeIfDrained = (): void => {
    if (pausedByUs && inFlight <= inFlightResumeAt && !stopping && stream && !stream.destroyed) {
      pausedByUs = false;
      stream.resume();
    }
  };

  const dispatch = (m: KafkaMessage): void => {
    const key = `${m.topic}:${m.partition}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = {
        tail: Promise.resolve(),
        queued: [],
        done: undefined,
        committed: -1n,
        committing: undefined,
      };
      lanes.set(key, lane);
    }
    const l = lane;
    inFlight++;
    l.queued.push(m);
    if (l.queued.length > 1) return; // a step is already scheduled; it takes this one too
    let batch: KafkaMessage[] = [];
    l.tail = l.tail
      .then(() => handleQueued(l, (batch = l.queued.splice(0))))
      .catch((err: unknown) =>
        log.error(
          { err, group, topic: m.topic, partition: m.partition },
          'event handling failed unexpectedly',
        ),
      )
      .finally(() => {
        inFlight -= batch.length;
        resumeIfDrained();
      });
  };

  const onData = (m: KafkaMessage): void => {
    if (stopping) return; // buffered messages drained by close(): not taken, not committed
    streamFailures = 0;
    dispatch(m);
    if (inFlight >= inFlightMax && !pausedByUs && stream) {
      pausedByUs = true;
      stream.pause();
    }
  };

  // Joins the group and reads; when the stream fails (the client destroys it on fetch errors),
  // a new one is asked for, after a bounded backoff. Lanes survive: order per partition holds.
  const loop = (async () => {
    while (!stopping) {
      try {
        const s = await consumer.consume({
          topics: [...sub.topics],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: false,
        });
        if (stopping) {
          await s.close().catch(() => undefined);
          break;
        }
        stream = s;
        pausedByUs = false;
        // A new stream starts from the group's committed offsets (they may be lower than ours
        // if another member took a partition meanwhile, or the topic was re-created).
        for (const lane of lanes.values()) lane.committed = -1n;
        const ended = new Promise<Error | undefined>((resolve) => {
          s.on('error', (err: Error) => resolve(err));
          s.once('close', () => resolve(undefined));
        });
        s.on('data', onData);
        const err = await ended;
        stream = undefined;
        if (stopping) break;
        throw err ?? new Error('the Kafka message stream ended');
      } catch (err) {
        if (stopping) break;
        streamFailures++;
        log.warn(
          { err, group, failures: streamFailures },
          'Kafka consumer stream failed; restarting it',
        );
        await sleeper.sleep(
          failureBackoffMs(streamFailures, restartBackoffBaseMs, restartBackoffMaxMs),
        );
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        sleeper.close();
        // 1. Stop fetching (what is buffered is dropped uncommitted).
        const s = stream;
        if (s)
          await withTimeout(s.close(), closeTimeoutMs, 'closing the Kafka stream').catch((err) =>
            log.warn({ err, group }, 'closing the Kafka stream failed'),
          );
        await withTimeout(loop, closeTimeoutMs, 'stopping the Kafka read loop').catch(
          () => undefined,
        );
        // 2. Finish the events in hand (one per partition at most), 3. commit them.
        const all = [...lanes.values()];
        await withTimeout(
          Promise.all(all.map((l) => l.tail)),
          stopDrainMaxMs,
          'finishing the events in hand',
        ).catch((err) =>
          log.warn({ err, group }, 'events in hand did not finish; they will be redelivered'),
        );
        await withTimeout(
          Promise.all(all.map((l) => commitLane(l))),
          closeTimeoutMs,
          'final offset commit',
        ).catch((err) =>
          log.warn(
            { err, group },
            'final offset commit failed; finished events will be redelivered and skipped',
          ),
        );
        // 4. Leave the group (close does the LeaveGroup), so it rebalances at once.
        consumer.stopLagMonitoring();
        await withTimeout(consumer.close(true), closeTimeoutMs, 'leaving the Kafka group').catch(
          (err) => log.warn({ err, group }, 'leaving the Kafka consumer group failed'),
        );
      })();
      return stopped;
    },
  };
}

type Decoded = { kind: 'event'; event: CloudEvent } | { kind: 'unreadable'; reason: string };

/** The CloudEvent in a message, or why it cannot be one (envelope checks are `deliver`'s). */
function decode(m: KafkaMessage): Decoded {
  const raw = m.value as Buffer | null | undefined;
  if (!raw || raw.length === 0) return { kind: 'unreadable', reason: 'message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { kind: 'unreadable', reason: `value is not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { kind: 'unreadable', reason: 'value is not a JSON object' };
  const id = (parsed as { id?: unknown }).id;
  // The inbox and dead-letter keys are uuids: anything else could never be recorded.
  if (typeof id !== 'string' || !uuidPattern.test(id))
    return { kind: 'unreadable', reason: 'event id is not a UUID' };
  return { kind: 'event', event: parsed as CloudEvent };
}

const isDataError = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { code?: unknown }).code === 'string' &&
  (err as { code: string }).code.startsWith('22');

/** Stable per message, so a redelivered unreadable message is dead-lettered once. */
function messageId(m: KafkaMessage): string {
  const h = createHash('sha256').update(`${m.topic}/${m.partition}/${m.offset}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8 (custom)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Control characters and lone surrogates: PostgreSQL text/jsonb refuse some of them. */
const clean = (s: string): string => s.replace(/\p{Cc}|\p{Cs}/gu, '?').slice(0, reasonMax);

/**
 * Dead-letters a message that is not a usable CloudEvent, keeping its bytes (base64). The
 * stored envelope deliberately is not CloudEvents 1.0, so a replay dead-letters it again
 * instead of handing garbage to a handler.
 */
async function deadLetterUnreadable(
  db: Db,
  group: string,
  m: KafkaMessage,
  reason: string,
): Promise<void> {
  const eventId = messageId(m);
  const key = m.key as Buffer | null | undefined;
  const value = m.value as Buffer | null | undefined;
  const envelope = {
    specversion: 'unreadable',
    id: eventId,
    source: `kafka:${m.topic}/${m.partition}/${m.offset}`,
    type: 'kafka.unreadable',
    time: new Date().toISOString(),
    subject: key && key.length > 0 ? clean(key.toString('utf8')) || eventId : eventId,
    datacontenttype: 'application/json',
    data: {
      topic: m.topic,
      partition: m.partition,
      offset: String(m.offset),
      keyBase64: key ? key.toString('base64') : null,
      valueBase64: value ? value.toString('base64') : null,
    },
  };
  await db.query(
    `INSERT INTO kernel.dead_letters (id, group_name, topic, event_id, event, error, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (group_name, event_id) DO NOTHING`,
    [
      newId(),
      group,
      m.topic,
      eventId,
      JSON.stringify(envelope),
      clean(`unreadable message: ${reason}`),
    ],
  );
}
