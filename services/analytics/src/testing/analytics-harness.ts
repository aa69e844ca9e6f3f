/**
 * Analytics in tests: the module on a real database with its own topic (all three inputs on
 * one topic with one partition, so events arrive in the order they were fed), feeding events
 * through the outbox, and reading what the engine stored and published.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '@redemption/kernel';
import { startModule, type ModuleHarness } from '@redemption/kernel/testing';
import { createAnalyticsModule } from '../index.ts';
import type { FixedEvent } from './fixed-events.ts';
import { createTopics, deleteTopics } from './kafka-topics.ts';
import { resultKey, resultValue, type ResultMap } from './expected-windows.ts';

/** How long a test waits for the engine to fold what it was fed (ms). */
export const foldWaitMs = 60_000;
const pollMs = 50;

export interface AnalyticsTestEnv {
  databaseUrl: string;
  /** Kafka brokers: the Kafka transport; none: the pg transport (the outbox is the log). */
  kafkaBrokers?: string | undefined;
  topic: string;
  resultsTopic: string;
  group: string;
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export function newTestEnv(databaseUrl: string, kafkaBrokers?: string): AnalyticsTestEnv {
  return {
    databaseUrl,
    kafkaBrokers,
    topic: uniqueName('an-in'),
    resultsTopic: uniqueName('an-out'),
    group: uniqueName('an-group'),
  };
}

/** The process environment the module runs with in tests (and in the crash test's child). */
export function moduleEnv(t: AnalyticsTestEnv): Record<string, string> {
  return {
    EVENT_TRANSPORT: t.kafkaBrokers ? 'kafka' : 'pg',
    ...(t.kafkaBrokers ? { KAFKA_BROKERS: t.kafkaBrokers } : {}),
    EVENT_PARTITIONS: '1',
    ANALYTICS_IDLE_ADVANCE_S: '0',
    REDIS_URL: '',
  };
}

export const analyticsModuleFor = (t: AnalyticsTestEnv, foldNotify = false) =>
  createAnalyticsModule({
    topics: { orders: t.topic, payments: t.topic, loyalty: t.topic },
    resultsTopic: t.resultsTopic,
    group: t.group,
    foldNotify,
  });

/** Starts the module; on Kafka, its input topic exists first (one partition). */
export async function startAnalytics(t: AnalyticsTestEnv): Promise<ModuleHarness> {
  if (t.kafkaBrokers) await createTopics(kafkaList(t), [t.topic]);
  return startModule(analyticsModuleFor(t), { databaseUrl: t.databaseUrl, env: moduleEnv(t) });
}

export const kafkaList = (t: AnalyticsTestEnv): string[] =>
  (t.kafkaBrokers ?? '').split(',').filter(Boolean);

/** Deletes the test's topics (Kafka only). */
export async function dropTopics(t: AnalyticsTestEnv): Promise<void> {
  if (t.kafkaBrokers) await deleteTopics(kafkaList(t), [t.topic, t.resultsTopic]);
}

/** Appends events to the test topic's log in this order, in one transaction. */
export async function feed(db: Db, topic: string, events: readonly FixedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.tx(async (q) => {
    await q.query(
      `INSERT INTO kernel.outbox (id, topic, partition, key, event)
       SELECT i, $1, 0, k, e FROM unnest($2::uuid[], $3::text[], $4::jsonb[])
         WITH ORDINALITY AS u(i, k, e, n) ORDER BY n`,
      [
        topic,
        events.map((e) => e.event.id),
        events.map((e) => e.event.subject),
        events.map((e) => JSON.stringify(e.event)),
      ],
    );
    await q.query('SELECT pg_notify($1, $2)', ['redemption_outbox', topic]);
  });
}

/** Waits until the group has handled `count` events (its inbox). */
export async function waitHandled(db: Db, group: string, count: number): Promise<void> {
  const until = Date.now() + foldWaitMs;
  for (;;) {
    const n = await handled(db, group);
    if (n >= count) return;
    if (Date.now() > until) throw new Error(`${group} handled ${n} of ${count} events`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function handled(db: Db, group: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM kernel.inbox WHERE group_name = $1',
    [group],
  );
  return rows[0]!.n;
}

/** Every stored result row. */
export async function storedResults(db: Db): Promise<ResultMap> {
  const { rows } = await db.query<{
    kind: string;
    window_start: Date;
    metric: string;
    key: string;
    value: number;
    label: string | null;
  }>('SELECT kind, window_start, metric, key, value, label FROM analytics.results');
  return new Map(
    rows.map((r) => [
      resultKey(r.kind, r.window_start.toISOString(), r.metric, r.key),
      resultValue(r),
    ]),
  );
}

/** What the results topic received, in order: subject and the row's value/label. */
export async function publishedResults(db: Db, topic: string) {
  const { rows } = await db.query<{
    key: string;
    event: { data: { value: number; label: string | null } };
  }>('SELECT key, event FROM kernel.outbox WHERE topic = $1 ORDER BY position', [topic]);
  return rows.map((r) => ({ subject: r.key, value: resultValue(r.event.data) }));
}

/** The last value published per subject: what a compacted topic keeps. */
export function lastPublished(list: ReadonlyArray<{ subject: string; value: string }>): ResultMap {
  return new Map(list.map((p) => [p.subject, p.value]));
}
