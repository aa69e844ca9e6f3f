/**
 * Kafka for the analytics tests and the bench: topics of one partition (so the order events
 * were fed in is the order every engine reads them), and reading a results topic back.
 */
import { Admin, Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { resultKey, resultValue, type ResultMap } from './expected-windows.ts';

const clientId = 'analytics-test';

export async function createTopics(brokers: string[], topics: readonly string[]): Promise<void> {
  const admin = new Admin({ clientId, bootstrapBrokers: brokers });
  try {
    for (const t of topics)
      await admin
        .createTopics({ topics: [t], partitions: 1, replicas: 1 })
        .catch((err: unknown) => {
          if (!String(err).includes('exists') && !JSON.stringify(err).includes('ALREADY_EXISTS'))
            throw err;
        });
  } finally {
    await admin.close();
  }
}

/** Deletes the topics that exist (with the kernel's `.retry` and `.dlq` companions). */
export async function deleteTopics(brokers: string[], topics: readonly string[]): Promise<void> {
  const admin = new Admin({ clientId, bootstrapBrokers: brokers });
  try {
    const existing = new Set(await admin.listTopics());
    const all = topics.flatMap((t) => [t, `${t}.retry`, `${t}.dlq`]).filter((t) => existing.has(t));
    if (all.length > 0) await admin.deleteTopics({ topics: all });
  } catch (err) {
    console.warn('analytics test: topic cleanup failed', err);
  } finally {
    await admin.close();
  }
}

export interface TopicReader {
  /** The last value per key so far (a compacted topic's view); tombstones remove the key. */
  latest(): ResultMap;
  /** How many messages were read. */
  count(): number;
  close(): Promise<void>;
}

/**
 * Reads a results topic from its start, as long as it is open. Values are analytics_result
 * CloudEvents (either engine's); the map is keyed like `expectedWindows`.
 */
export async function readResults(brokers: string[], topic: string): Promise<TopicReader> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId,
    bootstrapBrokers: brokers,
    groupId: `${clientId}-${topic}-${Date.now()}`,
    autocommit: false,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
  const latest: ResultMap = new Map();
  let n = 0;
  stream.on('data', (m) => {
    n++;
    const key = m.key?.toString('utf8') ?? '';
    if (!m.value || m.value.length === 0) {
      latest.delete(key);
      return;
    }
    const d = (JSON.parse(m.value.toString('utf8')) as { data: ResultData }).data;
    latest.set(resultKey(d.window_kind, d.window_start, d.metric, d.key), resultValue(d));
  });
  return {
    latest: () => new Map(latest),
    count: () => n,
    async close() {
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}

interface ResultData {
  window_kind: string;
  window_start: string;
  metric: string;
  key: string;
  value: number;
  label: string | null;
}
