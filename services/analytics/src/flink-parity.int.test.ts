/**
 * The Flink job and the embedded engine agree: one fixed event set on one Kafka topic (one
 * partition), read by both; the final rows Flink upserted to its results topic equal the rows
 * the embedded engine stored, and both equal the plain reference computation.
 *
 * Opt-in (ANALYTICS_FLINK=1): it starts a JVM with a Flink MiniCluster (~1-3 minutes on two
 * cores, after a one-time ~145 MB jar fetch from Maven Central). Without it the test is skipped
 * with that reason printed; CI runs it in its own step (README "Analytics").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  kafkaGate,
  postgresGate,
  type ModuleHarness,
  type TempDatabase,
} from '@redemption/kernel/testing';
import {
  dropTopics,
  feed,
  newTestEnv,
  startAnalytics,
  storedResults,
  uniqueName,
  waitHandled,
  type AnalyticsTestEnv,
} from './testing/analytics-harness.ts';
import { endingBy, expectedWindows, type ResultMap } from './testing/expected-windows.ts';
import { fixedEventSet } from './testing/fixed-events.ts';
import { flinkUnavailable, startFlinkJob, type FlinkJob } from './testing/flink-runner.ts';
import {
  createTopics,
  deleteTopics,
  readResults,
  type TopicReader,
} from './testing/kafka-topics.ts';

const optIn = process.env['ANALYTICS_FLINK'] === '1';
if (!optIn)
  console.warn(
    'skipping the Flink parity test: set ANALYTICS_FLINK=1 (it runs a Flink MiniCluster in a JVM, 1-3 minutes)',
  );
const pg = optIn ? postgresGate() : { url: undefined };
const kafka = optIn ? kafkaGate() : { url: undefined };
/** How long Flink may take to reach a marker after the embedded engine did (ms). */
const flinkCatchUpMs = 180_000;
/** Longer than Flink's periodic watermark interval (200 ms), so late events meet the new one. */
const watermarkSettleMs = 3_000;

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!pg.url || !kafka.url)('Flink and the embedded engine agree', () => {
  let temp: TempDatabase;
  let t: AnalyticsTestEnv;
  let h: ModuleHarness;
  let job: FlinkJob | undefined;
  let reader: TopicReader | undefined;
  const flinkResults = uniqueName('an-flink-out');

  beforeAll(async () => {
    const why = await flinkUnavailable();
    if (why && process.env['REQUIRE_SERVICES'] === '1') throw new Error(why);
    if (why) return console.warn(`skipping the Flink parity test: ${why}`);
    temp = await createTempDatabase(pg.url!);
    t = newTestEnv(temp.url, kafka.url);
    await createTopics([kafka.url!], [flinkResults]);
    h = await startAnalytics(t);
    job = await startFlinkJob({
      brokers: kafka.url!,
      inputTopic: t.topic,
      resultsTopic: flinkResults,
      group: uniqueName('an-flink'),
    });
    reader = await readResults([kafka.url!], flinkResults);
  }, 900_000);

  afterAll(async () => {
    await reader?.close();
    await job?.stop();
    await h?.close();
    await temp?.drop();
    if (t) await dropTopics(t);
    if (kafka.url) await deleteTopics([kafka.url], [flinkResults]);
  });

  it('gives the same window results for the fixed event set', async (ctx) => {
    if (!job) return ctx.skip();
    const set = fixedEventSet();
    // Stage 1: everything on time, the ticks a day later, a marker after them.
    const stage1 = [...set.phase1, ...set.ticks, set.marker(0)];
    await feed(h.platform.db, t.topic, stage1);
    await waitHandled(h.platform.db, t.group, stage1.length);
    const xts = () => [...reader!.latest()].filter(([k]) => k.endsWith('/revenue/XTS'));
    await until('Flink to reach the first marker', flinkCatchUpMs, () => xts().length > 0);
    await new Promise((r) => setTimeout(r, watermarkSettleMs));

    // Stage 2: the events that are too late for every window, then a second marker.
    const firstMarker = new Map(xts());
    const stage2 = [...set.tooLate, set.marker(1)];
    await feed(h.platform.db, t.topic, stage2);
    await waitHandled(h.platform.db, t.group, stage1.length + stage2.length);
    await until('Flink to reach the second marker', flinkCatchUpMs, () =>
      xts().some(([k, v]) => firstMarker.get(k) !== v),
    );

    const closedBy = Date.parse(set.ticks[0]!.event.time) - 5_000;
    const flink: ResultMap = endingBy(reader!.latest(), closedBy);
    const embedded = endingBy(await storedResults(h.platform.db), closedBy);
    const expected = endingBy(expectedWindows(set.phase1.map((e) => e.event)), closedBy);
    expect(embedded).toEqual(expected);
    expect(flink).toEqual(embedded);
  }, 900_000);
});
