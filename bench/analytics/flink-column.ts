/**
 * The bench's Flink column (BENCH_FLINK=1): the same order events produced to a fresh topic
 * first, then the job started on it in a local MiniCluster; events/s from the job's submission
 * until the results of a marker produced after them appear (so it includes the job's warm-up:
 * a floor).
 */
import { Producer } from '@platformatic/kafka';
import {
  createTopics,
  deleteTopics,
  flinkUnavailable,
  readResults,
  startFlinkJob,
  uniqueName,
  type FixedEvent,
} from '@redemption/analytics/testing';

export interface FlinkFigures {
  perS?: number;
  note?: string;
}

const resultsWaitMs = 600_000;
const produceBatch = 1_000;

export async function flinkColumn(o: {
  brokers: string;
  events: number;
  benchOrder: (run: string, i: number, base: number) => FixedEvent;
}): Promise<FlinkFigures> {
  if (process.env['BENCH_FLINK'] !== '1') return { note: 'not run (BENCH_FLINK=1 runs it)' };
  const why = await flinkUnavailable();
  if (why) return { note: `not run: ${why}` };
  const brokers = o.brokers.split(',');
  const input = uniqueName('an-bench-flink-in');
  const output = uniqueName('an-bench-flink-out');
  await createTopics(brokers, [input, output]);
  const base = Date.parse('2026-12-01T00:00:00.000Z');
  const events = Array.from({ length: o.events }, (_, i) => o.benchOrder('f', i, base));
  const marker = o.benchOrder('f', o.events, base);
  marker.event.data['currency'] = 'XTS';
  const producer = new Producer({ clientId: 'bench-analytics', bootstrapBrokers: brokers });
  try {
    const all = [...events, marker];
    for (let i = 0; i < all.length; i += produceBatch)
      await producer.send({
        messages: all.slice(i, i + produceBatch).map((e) => ({
          topic: input,
          key: Buffer.from(e.event.subject),
          value: Buffer.from(JSON.stringify(e.event)),
        })),
      });
  } finally {
    await producer.close();
  }
  const reader = await readResults(brokers, output);
  const job = await startFlinkJob({
    brokers: o.brokers,
    inputTopic: input,
    resultsTopic: output,
    group: uniqueName('an-bench-flink'),
  });
  const t0 = performance.now();
  try {
    const deadline = Date.now() + resultsWaitMs;
    while (![...reader.latest().keys()].some((k) => k.endsWith('/revenue/XTS'))) {
      if (Date.now() > deadline) return { note: 'no result for the last event in time' };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { perS: (o.events + 1) / ((performance.now() - t0) / 1000) };
  } finally {
    await job.stop();
    await reader.close();
    await deleteTopics(brokers, [input, output]);
  }
}
