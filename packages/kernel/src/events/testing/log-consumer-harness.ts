import { pino } from 'pino';
import type { Db, Queryable } from '../../db/db.ts';
import { retryPolicyDefault } from '../consumer-runtime.ts';
import { createPublisher, partitionOf } from '../outbox.ts';
import { createOutboxSignal } from '../outbox-signal.ts';
import { startPgLogConsumer } from '../pg-log-consumer.ts';
import { openDb, recordEffect, testEvent, uniqueTopic, type BusEnv } from './bus-harness.ts';

const silent = pino({ level: 'silent' });
export const partitions = (): number => 3;
export const source = '/redemption/test';

/** `db`, recording every statement sent through it (its transactions' too). */
export function countingDb(db: Db, seen: string[]): Db {
  const wrap = (q: Queryable): Queryable => ({
    query: <R>(sql: string, params?: readonly unknown[]) => {
      seen.push(sql);
      return q.query<R>(sql, params);
    },
    exec: (sql) => q.exec(sql),
    ...(q.afterCommit ? { afterCommit: (fn: () => void) => q.afterCommit!(fn) } : {}),
  });
  return {
    ...wrap(db),
    kind: db.kind,
    tx: (fn) => db.tx((q) => fn(wrap(q))),
    ping: () => db.ping(),
    listen: (channel, onNotify, onReconnect) => db.listen(channel, onNotify, onReconnect),
    close: () => db.close(),
  };
}

/** Statements that read offsets from the partition table (heartbeats only update it). */
export const offsetReads = (seen: readonly string[]): number =>
  seen.filter((s) => /^\s*SELECT[\s\S]*FROM kernel\.consumer_partitions/.test(s)).length;
/** Statements that read the log. */
export const logReads = (seen: readonly string[]): number =>
  seen.filter((s) => /^\s*(WITH|SELECT)[\s\S]*FROM kernel\.outbox/.test(s)).length;

/** A key whose events land in `partition` (of 3). */
export const keyIn = (partition: number): string => {
  for (let i = 0; ; i++) if (partitionOf(`k${i}`, 3) === partition) return `k${i}`;
};

/**
 * One consumer (member `m1`) of a group reading two fresh topics of 3 partitions, through a
 * counting Db; `publish` writes a test event on the first topic. Add `stop` to the cleanups.
 */
export async function startCountedConsumer(
  env: BusEnv,
  opts: { group: string; pollMaxMs: number; leaseMs: number },
) {
  const db = await openDb(env);
  const seen: string[] = [];
  const signal = createOutboxSignal(db, silent);
  const publisher = createPublisher({ source, partitions, signal });
  const topics = [uniqueTopic(), uniqueTopic()];
  const consumer = await startPgLogConsumer({
    db: countingDb(db, seen),
    sub: { group: opts.group, topics, handler: recordEffect(opts.group) },
    memberId: 'm1',
    partitions,
    policy: retryPolicyDefault,
    log: silent,
    batchMax: 100,
    pollMaxMs: opts.pollMaxMs,
    leaseMs: opts.leaseMs,
    signal,
  });
  const publish = (key: string, seq: number) =>
    db.tx((q) => publisher.publish(q, testEvent(topics[0]!), { subject: key, data: { seq } }));
  const stop = async (): Promise<void> => {
    await consumer.stop();
    await signal.close();
    await db.close();
  };
  return { db, seen, topics, publish, stop };
}
