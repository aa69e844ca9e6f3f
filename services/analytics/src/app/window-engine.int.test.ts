/**
 * The embedded engine on a real PostgreSQL, over the Kafka transport when KAFKA_BROKERS is set
 * (else the pg transport): events fed in a known order, windows checked in the results table
 * and on the results topic (the outbox rows the relay sends).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  kafkaGate,
  postgresGate,
  type ModuleHarness,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { endingBy, expectedWindows } from '../testing/expected-windows.ts';
import {
  dropTopics,
  feed,
  lastPublished,
  newTestEnv,
  publishedResults,
  startAnalytics,
  storedResults,
  waitHandled,
  type AnalyticsTestEnv,
} from '../testing/analytics-harness.ts';
import { fixedEventSet, nameUuid, type FixedEvent } from '../testing/fixed-events.ts';

const pgGate = postgresGate();
const kafka = process.env['KAFKA_BROKERS'] ? kafkaGate() : { url: undefined };
const at = (iso: string) => Date.parse(`2026-12-01T${iso}Z`);

/** An order_paid event (data version 2) at `time`. */
function paid(name: string, time: number, total: number): FixedEvent {
  const id = nameUuid(`scenario:${name}`);
  return {
    topic: 'orders',
    event: {
      specversion: '1.0',
      id,
      source: '/redemption/test',
      type: 'order_paid',
      time: new Date(time).toISOString(),
      subject: id,
      datacontenttype: 'application/json',
      data: {
        event_type: 'order_paid',
        order_id: id,
        user_id: nameUuid('member'),
        total_amount: total,
        cash_amount: total,
        points_used: 0,
        timestamp: new Date(time).toISOString(),
        currency: 'EUR',
        country: 'PT',
        data_version: 2,
        items: [{ product_id: nameUuid('p'), quantity: 1, unit_price: total }],
      },
    },
  };
}

describe.skipIf(!pgGate.url)(
  `the embedded engine (PostgreSQL, ${kafka.url ? 'Kafka' : 'pg'} transport)`,
  () => {
    const temps: TempDatabase[] = [];
    const envs: AnalyticsTestEnv[] = [];
    const running: ModuleHarness[] = [];
    const start = async (): Promise<{ h: ModuleHarness; t: AnalyticsTestEnv }> => {
      const temp = await createTempDatabase(pgGate.url!);
      temps.push(temp);
      const t = newTestEnv(temp.url, kafka.url);
      envs.push(t);
      const h = await startAnalytics(t);
      running.push(h);
      return { h, t };
    };
    afterAll(async () => {
      for (const h of running) await h.close();
      for (const t of temps) await t.drop();
      for (const t of envs) await dropTopics(t);
    });

    it('fires a window at the watermark, republishes it after a late event, then closes it', async () => {
      const { h, t } = await start();
      const db = h.platform.db;
      const tumbling = 'tumbling_5m/2026-12-01T10:00:00.000Z';
      const ordersOf = async (w: string) =>
        (await storedResults(db)).get(`${w}/orders/`) ?? 'not fired';

      await feed(db, t.topic, [paid('a', at('10:01:00'), 1000)]);
      await waitHandled(db, t.group, 1);
      expect(await ordersOf(tumbling)).toBe('not fired'); // watermark 10:00:55

      await feed(db, t.topic, [paid('b', at('10:05:10'), 3000)]); // watermark 10:05:05: fires
      await waitHandled(db, t.group, 2);
      expect(await ordersOf(tumbling)).toBe('1');

      // Late (its window fired) but within the allowed lateness (120 s): counted, republished.
      await feed(db, t.topic, [paid('c', at('10:04:00'), 500)]);
      await waitHandled(db, t.group, 3);
      expect(await ordersOf(tumbling)).toBe('2');
      const { rows: rev } = await db.query<{ revision: number }>(
        `SELECT revision FROM analytics.windows WHERE kind = 'tumbling_5m' AND window_start = $1`,
        [new Date(at('10:00:00'))],
      );
      expect(rev[0]!.revision).toBe(2);
      const published = (await publishedResults(db, t.resultsTopic)).filter((p) =>
        p.subject.startsWith(`${tumbling}/`),
      );
      expect(published.filter((p) => p.subject.endsWith('/orders/')).map((p) => p.value)).toEqual([
        '1',
        '2',
      ]);
      // Only the rows the late event changed go out again (revenue, aov, ...), not unchanged ones.
      expect(published.filter((p) => p.subject.endsWith('/points_earned/'))).toHaveLength(1);
      expect(lastPublished(published).get(`${tumbling}/revenue/EUR`)).toBe('1500');

      // Watermark 10:07:55: the tumbling window is final; a 10:03 event still counts in the
      // sliding windows that are not ([10:01, 10:06) and later), but not in the tumbling one.
      await feed(db, t.topic, [paid('d', at('10:08:00'), 100), paid('e', at('10:03:00'), 7)]);
      await waitHandled(db, t.group, 5);
      const stored = await storedResults(db);
      expect(stored.get(`${tumbling}/orders/`)).toBe('2');
      expect(stored.get('sliding_5m/2026-12-01T10:01:00.000Z/revenue/EUR')).toBe('4507');
      expect(stored.get('sliding_5m/2026-12-01T10:00:00.000Z/revenue/EUR')).toBe('1500');
    }, 120_000);

    it('folds the fixed event set into exactly the windows its events belong to', async () => {
      const { h, t } = await start();
      const db = h.platform.db;
      const set = fixedEventSet();
      const all = [...set.phase1, ...set.ticks, ...set.tooLate, set.marker(0)];
      await feed(db, t.topic, all);
      await waitHandled(db, t.group, all.length);

      const expected = endingBy(
        expectedWindows(set.phase1.map((e) => e.event)),
        Date.parse(set.ticks[0]!.event.time) - 5_000,
      );
      const stored = await storedResults(db);
      expect(stored).toEqual(expected);
      // The topic's last value per row is the table's.
      expect(lastPublished(await publishedResults(db, t.resultsTopic))).toEqual(expected);

      const { rows } = await db.query<{ events_folded: number; events_dropped_late: number }>(
        'SELECT events_folded, events_dropped_late FROM analytics.engine',
      );
      const counted = set.phase1.filter((e) => e.event.type !== 'tier_changed').length;
      expect(rows[0]).toEqual({ events_folded: counted + 1, events_dropped_late: 2 });
      // Late arrivals made windows fire more than once; the spike (minutes 62-64) is flagged.
      const { rows: revised } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM analytics.windows WHERE revision > 1',
      );
      expect(revised[0]!.n).toBeGreaterThan(0);
      const spike = new Date(set.base + 60 * 60_000).toISOString();
      expect(stored.get(`tumbling_5m/${spike}/anomaly/`)).toBe('1');
      expect(
        stored.get(`tumbling_5m/${new Date(set.base + 30 * 60_000).toISOString()}/anomaly/`),
      ).toBe('0');
    }, 180_000);
  },
);
