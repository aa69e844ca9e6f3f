/**
 * Exactly once across crashes: the engine runs in a child process that is killed with SIGKILL
 * twice while it folds the fixed event set, then restarted; the windows, the published rows and
 * the engine's counts are those of the events counted once each (window state, the inbox row
 * and, on the pg transport, the group's offset commit in one transaction).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  kafkaGate,
  postgresGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { createDb, type Db } from '@redemption/kernel';
import { endingBy, expectedWindows } from '../testing/expected-windows.ts';
import {
  dropTopics,
  feed,
  handled,
  lastPublished,
  newTestEnv,
  publishedResults,
  storedResults,
  waitHandled,
  type AnalyticsTestEnv,
} from '../testing/analytics-harness.ts';
import { fixedEventSet } from '../testing/fixed-events.ts';

const pgGate = postgresGate();
const kafka = process.env['KAFKA_BROKERS'] ? kafkaGate() : { url: undefined };
const childPath = fileURLToPath(new URL('../testing/analytics-child.ts', import.meta.url));
const childWaitMs = 90_000;

interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
  /** Resolves once the child reports at least `n` folded events. */
  folded(n: number): Promise<void>;
}

function startChild(t: AnalyticsTestEnv): Child {
  const proc = spawn(process.execPath, [childPath], {
    env: { ...process.env, ANALYTICS_TEST_ENV: JSON.stringify(t), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let folded = -1; // no report yet
  const waiters: Array<() => void> = [];
  proc.stdout!.on('data', (b: Buffer) => {
    for (const m of b.toString().matchAll(/folded (\d+)/g)) folded = Math.max(folded, Number(m[1]));
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  return {
    proc,
    exited,
    folded: (n) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child folded ${folded} of ${n}; stderr:\n${stderr}`)),
          childWaitMs,
        );
        const check = (): void => {
          if (folded >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

async function kill9(c: Child): Promise<void> {
  c.proc.kill('SIGKILL');
  await c.exited;
}

describe.skipIf(!pgGate.url)(
  `the embedded engine across kill -9 (PostgreSQL, ${kafka.url ? 'Kafka' : 'pg'} transport)`,
  () => {
    let temp: TempDatabase | undefined;
    let t: AnalyticsTestEnv | undefined;
    let db: Db | undefined;
    const children: Child[] = [];
    afterAll(async () => {
      for (const c of children) if (c.proc.exitCode === null) await kill9(c);
      await db?.close();
      await temp?.drop();
      if (t) await dropTopics(t);
    });

    it('counts every event once after two crashes mid-stream', async () => {
      temp = await createTempDatabase(pgGate.url!);
      t = newTestEnv(temp.url, kafka.url);
      const set = fixedEventSet();
      const all = [...set.phase1, ...set.ticks, ...set.tooLate, set.marker(0)];

      const first = startChild(t);
      children.push(first);
      await first.folded(0); // migrated and consuming
      db = await createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 2 });
      await feed(db, t.topic, all);
      await first.folded(40);
      await kill9(first);
      const between = await handled(db, t.group);
      expect(between).toBeLessThan(all.length); // it died mid-stream

      const second = startChild(t);
      children.push(second);
      await second.folded(between + 60);
      await kill9(second);

      const third = startChild(t);
      children.push(third);
      await waitHandled(db, t.group, all.length);

      const expected = endingBy(
        expectedWindows(set.phase1.map((e) => e.event)),
        Date.parse(set.ticks[0]!.event.time) - 5_000,
      );
      expect(await storedResults(db)).toEqual(expected);
      expect(lastPublished(await publishedResults(db, t.resultsTopic))).toEqual(expected);
      const { rows } = await db.query<{ events_folded: number; events_dropped_late: number }>(
        'SELECT events_folded, events_dropped_late FROM analytics.engine',
      );
      expect(rows[0]).toEqual({ events_folded: set.phase1.length + 1, events_dropped_late: 2 });
      expect(await handled(db, t.group)).toBe(all.length);
    }, 300_000);
  },
);
