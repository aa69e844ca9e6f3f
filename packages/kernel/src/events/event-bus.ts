import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { topics as knownTopics } from '@redemption/contracts';
import type { PlatformConfig } from '../config/platform-config.ts';
import type { Db } from '../db/db.ts';
import type { RetryPolicy, Subscription } from './consumer-runtime.ts';
import type { ConsumerHandle, ConsumerMetrics, EventTransport } from './event-transport.ts';
import { createPublisher, type Publisher } from './outbox.ts';
import { createOutboxSignal, type OutboxSignal } from './outbox-signal.ts';
import { createPgTransport } from './pg-transport.ts';

const batchMax = 100;
const pollMaxMs = 500;
const leaseMs = 10_000;
const backoffBaseMs = 100;
const backoffMaxMs = 5_000;

export interface EventBus {
  publisher: Publisher;
  transport: EventTransport;
  /** Registers a consumer; it starts with `start()`. */
  subscribe(sub: Subscription): void;
  start(): Promise<void>;
  /** Stops consumers (each finishes and commits the event in hand), then the transport. */
  stop(): Promise<void>;
}

export interface EventBusOptions {
  db: Db;
  config: Pick<
    PlatformConfig,
    | 'eventTransport'
    | 'kafkaBrokers'
    | 'eventPartitions'
    | 'kafkaReplicationFactor'
    | 'eventAttemptsMax'
  >;
  /** CloudEvents `source` of what this process publishes, e.g. `/redemption/orders`. */
  source: string;
  log: Logger;
  registry?: Registry;
  /** Extra topics to create on Kafka besides the platform's (tests). */
  topics?: readonly string[];
}

export async function createEventBus(o: EventBusOptions): Promise<EventBus> {
  const partitions = (): number => o.config.eventPartitions;
  const policy: RetryPolicy = {
    attemptsMax: o.config.eventAttemptsMax,
    backoffBaseMs,
    backoffMaxMs,
  };
  const metrics = o.registry ? consumerMetrics(o.registry) : undefined;
  const signal = createOutboxSignal(o.db, o.log);
  const common = {
    db: o.db,
    partitions,
    policy,
    log: o.log,
    signal,
    ...(metrics ? { metrics } : {}),
  };
  const transport = await chooseTransport(o, common);
  const subs: Subscription[] = [];
  const handles: ConsumerHandle[] = [];
  return {
    publisher: createPublisher({ source: o.source, partitions, signal }),
    transport,
    subscribe: (sub) => void subs.push(sub),
    async start() {
      await transport.start();
      for (const sub of subs) handles.push(await transport.consume(sub));
    },
    async stop() {
      await Promise.all(handles.splice(0).map((h) => h.stop()));
      await transport.stop();
      await signal.close();
    },
  };
}

type Common = {
  db: Db;
  partitions: (t: string) => number;
  policy: RetryPolicy;
  log: Logger;
  signal: OutboxSignal;
  metrics?: ConsumerMetrics;
};

async function chooseTransport(o: EventBusOptions, c: Common): Promise<EventTransport> {
  if (o.config.eventTransport === 'pg')
    return createPgTransport({ ...c, batchMax, pollMaxMs, leaseMs });
  const brokers = o.config.kafkaBrokers ?? [];
  if (brokers.length === 0) throw new Error('EVENT_TRANSPORT=kafka needs KAFKA_BROKERS');
  // Loaded only when used, so standalone mode never loads the Kafka client.
  const { createKafkaTransport } = await import('./kafka-transport.ts');
  return createKafkaTransport({
    ...c,
    brokers,
    clientId: o.source.replace(/[^A-Za-z0-9._-]/g, '-'),
    replicationFactor: o.config.kafkaReplicationFactor,
    topics: [...knownTopics, ...(o.topics ?? [])],
    relayBatchMax: 500,
    relayPollMaxMs: pollMaxMs,
  });
}

function consumerMetrics(registry: Registry): ConsumerMetrics {
  const lag = new Gauge({
    name: 'events_consumer_lag',
    help: 'events not yet consumed, per consumer group and partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
  });
  return {
    lag: (group, topic, partition, n) => lag.set({ group, topic, partition: String(partition) }, n),
  };
}
