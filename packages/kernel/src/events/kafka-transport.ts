import { Admin } from '@platformatic/kafka';
import type { Db } from '../db/db.ts';
import type { RetryPolicy } from './consumer-runtime.ts';
import type { ConsumerHandle, ConsumerMetrics, EventTransport } from './event-transport.ts';
import { clientOptions, closeTimeoutMs, withTimeout, type KafkaLog } from './kafka-clients.ts';
import { startKafkaConsumer } from './kafka-consumer.ts';
import { startKafkaRelay, type KafkaRelay } from './kafka-relay.ts';
import { createTopics, ensureTopics, topicPlan } from './kafka-topics.ts';
import type { OutboxSignal } from './outbox-signal.ts';

/** /health/ready's Kafka probe answers within this (ms). */
const pingTimeoutMs = 2_000;

export interface KafkaTransportOptions {
  db: Db;
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  clientId: string;
  partitions: (topic: string) => number;
  replicationFactor: number;
  /** Topics to create at start (each also gets `<topic>.retry` and `<topic>.dlq`). */
  topics: readonly string[];
  policy: RetryPolicy;
  log: KafkaLog;
  metrics?: ConsumerMetrics;
  /** Commits of this process's publishers (other processes' arrive as NOTIFY). */
  signal?: OutboxSignal;
  /** Outbox rows per relay transaction at most. */
  relayBatchMax: number;
  /** The relay looks at the outbox at least this often without a NOTIFY (ms). */
  relayPollMaxMs: number;
}

/**
 * Kafka as the event transport: the outbox relay produces committed events to Kafka, and
 * consumer groups read them with manual, in-order offset commits after each event finished.
 * Delivery to handlers is `deliver()`'s: inbox-deduplicated, retried, dead-lettered.
 */
export function createKafkaTransport(o: KafkaTransportOptions): EventTransport {
  const admin = new Admin({ ...clientOptions(`${o.clientId}-admin`, o.brokers), retries: 1 });
  admin.on('error', (err: Error) => o.log.warn({ err }, 'Kafka admin client error'));
  let relay: KafkaRelay | undefined;
  let starting: Promise<void> | undefined;
  const ensured = new Set<string>();

  const ensureTopic = async (topic: string): Promise<void> => {
    if (ensured.has(topic)) return;
    const created = await createTopics(
      admin,
      topicPlan([topic], o.partitions),
      o.replicationFactor,
    );
    if (created.length > 0)
      o.log.warn(
        { topics: created },
        'created Kafka topics on demand: not in the configured topics',
      );
    ensured.add(topic);
  };

  return {
    name: 'kafka',
    start() {
      starting ??= (async () => {
        const plan = topicPlan(o.topics, o.partitions);
        await ensureTopics(admin, plan, o.replicationFactor, o.log);
        for (const t of plan) ensured.add(t.name);
        relay = startKafkaRelay({
          db: o.db,
          brokers: o.brokers,
          clientId: o.clientId,
          log: o.log,
          batchMax: o.relayBatchMax,
          pollMaxMs: o.relayPollMaxMs,
          ensureTopic,
          ...(o.signal ? { signal: o.signal } : {}),
        });
      })().catch((err: unknown) => {
        starting = undefined; // a later start() tries again
        throw err;
      });
      return starting;
    },
    consume(sub): Promise<ConsumerHandle> {
      const metrics = o.metrics;
      return startKafkaConsumer({
        db: o.db,
        brokers: o.brokers,
        clientId: o.clientId,
        sub,
        policy: o.policy,
        log: o.log,
        ...(metrics
          ? {
              onLag: (topic: string, partition: number, lag: number) =>
                metrics.lag(sub.group, topic, partition, lag),
            }
          : {}),
      });
    },
    async ping() {
      // A Metadata request for no topic: answered by any broker, no topic scan.
      await withTimeout(
        admin.metadata({ topics: [], forceUpdate: true }),
        pingTimeoutMs,
        'Kafka ping',
      );
    },
    async stop() {
      await starting?.catch(() => undefined);
      await relay?.stop();
      relay = undefined;
      await withTimeout(admin.close(), closeTimeoutMs, 'closing the Kafka admin client').catch(
        (err) => o.log.warn({ err }, 'closing the Kafka admin client failed'),
      );
    },
  };
}
