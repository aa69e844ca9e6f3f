import type { Queryable } from '@redemption/kernel';
import { maxCounters, type Counter } from '../domain/event-deltas.ts';

const maxList = [...maxCounters];

/** One-minute pane counters: what events add, and a window's sums over its panes. */
export const panesRepository = {
  /** Adds counters to a pane (maxima for `maxCounters`); one key at most once per call. */
  async add(q: Queryable, paneStart: number, counters: readonly Counter[]): Promise<void> {
    if (counters.length === 0) return;
    await q.query(
      `INSERT INTO analytics.pane_counters AS p (pane_start, metric, key, value)
       SELECT $1, m, k, v FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(m, k, v)
       ON CONFLICT (pane_start, metric, key) DO UPDATE SET value =
         CASE WHEN p.metric = ANY($5::text[]) THEN GREATEST(p.value, EXCLUDED.value)
              ELSE p.value + EXCLUDED.value END`,
      [
        new Date(paneStart),
        counters.map((c) => c.metric),
        counters.map((c) => c.key),
        counters.map((c) => c.value),
        maxList,
      ],
    );
  },

  /** A window's counters: the sums (or maxima) over its panes. */
  async sum(q: Queryable, start: number, end: number): Promise<Counter[]> {
    const { rows } = await q.query<Counter>(
      `SELECT metric, key,
         CASE WHEN metric = ANY($3::text[]) THEN max(value) ELSE sum(value) END::bigint AS value
       FROM analytics.pane_counters WHERE pane_start >= $1 AND pane_start < $2
       GROUP BY metric, key`,
      [new Date(start), new Date(end), maxList],
    );
    return rows;
  },

  /** Panes in [from, to) that hold any counted event. */
  async withData(q: Queryable, from: number, to: number): Promise<number[]> {
    const { rows } = await q.query<{ pane_start: Date }>(
      `SELECT pane_start FROM analytics.pane_counters
       WHERE pane_start >= $1 AND pane_start < $2 AND metric = 'events' AND key = ''
       ORDER BY pane_start`,
      [new Date(from), new Date(to)],
    );
    return rows.map((r) => r.pane_start.getTime());
  },

  /** Orders per UTC hour in [start, end): a day's peak hour. */
  async hourlyOrders(q: Queryable, start: number, end: number): Promise<Map<number, number>> {
    const { rows } = await q.query<{ hour: number; orders: number }>(
      `SELECT extract(hour FROM pane_start AT TIME ZONE 'UTC')::int AS hour, sum(value)::bigint AS orders
       FROM analytics.pane_counters
       WHERE pane_start >= $1 AND pane_start < $2 AND metric = 'orders' AND key = ''
       GROUP BY 1`,
      [new Date(start), new Date(end)],
    );
    return new Map(rows.map((r) => [r.hour, r.orders]));
  },

  /** Drops panes no window can still need. Returns how many rows went. */
  async purgeBefore(q: Queryable, before: number): Promise<number> {
    const res = await q.query('DELETE FROM analytics.pane_counters WHERE pane_start < $1', [
      new Date(before),
    ]);
    return res.rowCount;
  },
};
