import type { AnalyticsWindowKind } from '@redemption/contracts';
import type { Queryable } from '@redemption/kernel';
import type { ResultRow } from '../domain/window-result.ts';
import type { WindowRef } from '../domain/windows.ts';

export interface StoredWindow {
  kind: AnalyticsWindowKind;
  start: number;
  end: number;
  revision: number;
  updatedAt: number;
  rows: ResultRow[];
}

interface WindowRow {
  kind: AnalyticsWindowKind;
  window_start: Date;
  window_end: Date;
  revision: number;
  updated_at: Date;
}

export interface WindowPageQuery {
  kind: AnalyticsWindowKind;
  from: number;
  to: number;
  /** Only windows starting after this one (the page before ended there). */
  after: number | null;
  metrics: readonly string[] | null;
  limit: number;
}

/** Published window results: one row per window, one per (window, metric, key). */
export const resultsRepository = {
  async rowsOf(q: Queryable, w: WindowRef): Promise<ResultRow[]> {
    const { rows } = await q.query<ResultRow>(
      `SELECT metric, key, value, label FROM analytics.results
       WHERE kind = $1 AND window_start = $2 ORDER BY metric, key`,
      [w.kind, new Date(w.start)],
    );
    return rows;
  },

  /** Records a revision of `w` with its changed rows; returns the revision number. */
  async write(q: Queryable, w: WindowRef, changed: readonly ResultRow[]): Promise<number> {
    const { rows } = await q.query<{ revision: number }>(
      `INSERT INTO analytics.windows AS w (kind, window_start, window_end, revision, fired_at, updated_at)
       VALUES ($1, $2, $3, 1, now(), now())
       ON CONFLICT (kind, window_start) DO UPDATE SET revision = w.revision + 1, updated_at = now()
       RETURNING revision`,
      [w.kind, new Date(w.start), new Date(w.end)],
    );
    await q.query(
      `INSERT INTO analytics.results (kind, window_start, metric, key, value, label)
       SELECT $1, $2, m, k, v, l FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) AS u(m, k, v, l)
       ON CONFLICT (kind, window_start, metric, key)
       DO UPDATE SET value = EXCLUDED.value, label = EXCLUDED.label`,
      [
        w.kind,
        new Date(w.start),
        changed.map((r) => r.metric),
        changed.map((r) => r.key),
        changed.map((r) => r.value),
        changed.map((r) => r.label),
      ],
    );
    return rows[0]!.revision;
  },

  /** Orders of the tumbling windows that start in [from, to) (the trailing hour). */
  async ordersOfTumbling(q: Queryable, from: number, to: number): Promise<number[]> {
    const { rows } = await q.query<{ value: number }>(
      `SELECT value FROM analytics.results
       WHERE kind = 'tumbling_5m' AND metric = 'orders' AND key = ''
         AND window_start >= $1 AND window_start < $2 ORDER BY window_start`,
      [new Date(from), new Date(to)],
    );
    return rows.map((r) => r.value);
  },

  /** A page of windows of one kind in [from, to), oldest first, with their (chosen) rows. */
  async page(q: Queryable, p: WindowPageQuery): Promise<StoredWindow[]> {
    const { rows } = await q.query<WindowRow>(
      `SELECT kind, window_start, window_end, revision, updated_at FROM analytics.windows
       WHERE kind = $1 AND window_start >= $2 AND window_start < $3
         AND ($4::timestamptz IS NULL OR window_start > $4)
       ORDER BY window_start LIMIT $5`,
      [
        p.kind,
        new Date(p.from),
        new Date(p.to),
        p.after === null ? null : new Date(p.after),
        p.limit,
      ],
    );
    return withRows(q, rows, p.metrics);
  },

  /** The latest `limit` windows of a kind (the live view's first picture), oldest first. */
  async latest(q: Queryable, kind: AnalyticsWindowKind, limit: number): Promise<StoredWindow[]> {
    const { rows } = await q.query<WindowRow>(
      `SELECT * FROM (SELECT kind, window_start, window_end, revision, updated_at
         FROM analytics.windows WHERE kind = $1 ORDER BY window_start DESC LIMIT $2) w
       ORDER BY window_start`,
      [kind, limit],
    );
    return withRows(q, rows, null);
  },

  /** Windows by key (`kind/start`), for the live view after a change. */
  async byKeys(q: Queryable, keys: ReadonlyArray<{ kind: string; start: number }>) {
    if (keys.length === 0) return [];
    const { rows } = await q.query<WindowRow>(
      `SELECT w.kind, w.window_start, w.window_end, w.revision, w.updated_at
       FROM analytics.windows w JOIN unnest($1::text[], $2::timestamptz[]) AS k(kind, s)
         ON w.kind = k.kind AND w.window_start = k.s
       ORDER BY w.window_start, w.kind`,
      [keys.map((k) => k.kind), keys.map((k) => new Date(k.start))],
    );
    return withRows(q, rows, null);
  },

  /** Drops windows (and their rows) that ended before `before`. */
  async purgeBefore(q: Queryable, before: number): Promise<number> {
    const res = await q.query('DELETE FROM analytics.windows WHERE window_end < $1', [
      new Date(before),
    ]);
    return res.rowCount;
  },
};

async function withRows(
  q: Queryable,
  windows: readonly WindowRow[],
  metrics: readonly string[] | null,
): Promise<StoredWindow[]> {
  if (windows.length === 0) return [];
  const { rows } = await q.query<ResultRow & { kind: string; window_start: Date }>(
    `SELECT r.kind, r.window_start, r.metric, r.key, r.value, r.label FROM analytics.results r
     JOIN unnest($1::text[], $2::timestamptz[]) AS k(kind, s) ON r.kind = k.kind AND r.window_start = k.s
     WHERE $3::text[] IS NULL OR r.metric = ANY($3::text[])
     ORDER BY r.metric, r.key`,
    [windows.map((w) => w.kind), windows.map((w) => w.window_start), metrics],
  );
  const byWindow = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const k = `${r.kind}/${r.window_start.getTime()}`;
    const list = byWindow.get(k) ?? [];
    list.push({ metric: r.metric, key: r.key, value: r.value, label: r.label });
    byWindow.set(k, list);
  }
  return windows.map((w) => ({
    kind: w.kind,
    start: w.window_start.getTime(),
    end: w.window_end.getTime(),
    revision: w.revision,
    updatedAt: w.updated_at.getTime(),
    rows: byWindow.get(`${w.kind}/${w.window_start.getTime()}`) ?? [],
  }));
}
