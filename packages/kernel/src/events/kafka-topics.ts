import type { Admin } from '@platformatic/kafka';
import { createSleeper, failureBackoffMs, type KafkaLog } from './kafka-clients.ts';

/** Topic creation at start-up is retried for at most this long before start() fails (ms). */
const ensureTopicsMaxMs = 60_000;
const ensureBackoffBaseMs = 250;
const ensureBackoffMaxMs = 5_000;

export const retryTopicOf = (topic: string): string => `${topic}.retry`;
export const dlqTopicOf = (topic: string): string => `${topic}.dlq`;

export interface TopicPlan {
  name: string;
  partitions: number;
}

/** Each topic plus its `.retry` and `.dlq` companions, all with the topic's partition count. */
export function topicPlan(
  topics: readonly string[],
  partitions: (topic: string) => number,
): TopicPlan[] {
  const plan = new Map<string, TopicPlan>();
  for (const topic of topics) {
    const n = partitions(topic);
    for (const name of [topic, retryTopicOf(topic), dlqTopicOf(topic)])
      plan.set(name, { name, partitions: n });
  }
  return [...plan.values()];
}

const alreadyExists = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { findBy?: unknown }).findBy === 'function' &&
  (err as { findBy(p: string, v: unknown): unknown }).findBy('apiId', 'TOPIC_ALREADY_EXISTS') !==
    null;

/**
 * Creates the topics that do not exist yet (one CreateTopics call per topic: partition counts
 * may differ). "Already exists" is success. Returns the names it created.
 */
export async function createTopics(
  admin: Admin,
  plan: readonly TopicPlan[],
  replicationFactor: number,
): Promise<string[]> {
  const created = await Promise.all(
    plan.map(async (t) => {
      try {
        await admin.createTopics({
          topics: [t.name],
          partitions: t.partitions,
          replicas: replicationFactor,
        });
        return t.name;
      } catch (err) {
        if (alreadyExists(err)) return undefined;
        throw err;
      }
    }),
  );
  return created.filter((n): n is string => n !== undefined);
}

/** createTopics, retried with backoff while the cluster is unreachable, for a bounded time. */
export async function ensureTopics(
  admin: Admin,
  plan: readonly TopicPlan[],
  replicationFactor: number,
  log: KafkaLog,
): Promise<void> {
  const deadline = Date.now() + ensureTopicsMaxMs;
  const sleeper = createSleeper();
  for (let failures = 1; ; failures++) {
    try {
      const created = await createTopics(admin, plan, replicationFactor);
      if (created.length > 0) log.info({ topics: created }, 'created Kafka topics');
      return;
    } catch (err) {
      if (Date.now() >= deadline)
        throw new Error(`could not create Kafka topics within ${ensureTopicsMaxMs} ms`, {
          cause: err,
        });
      log.warn({ err }, 'creating Kafka topics failed; retrying');
      await sleeper.sleep(failureBackoffMs(failures, ensureBackoffBaseMs, ensureBackoffMaxMs));
    }
  }
}
