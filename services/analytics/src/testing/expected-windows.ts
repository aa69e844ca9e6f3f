/**
 * What the windows of a set of events must hold, computed the plain way: every counted event
 * into each window it belongs to (no panes, no watermark, no database), then the domain's
 * `windowRows`. The engines' tests compare what they stored or published with this, for events
 * that all arrive within the allowed lateness.
 */
import { foldEvent, mergeCounters, type Counter, type EventLike } from '../domain/event-deltas.ts';
import { trailingWindowsMax } from '../domain/anomaly.ts';
import { windowRows, type ResultRow } from '../domain/window-result.ts';
import { windowKey, windowsOf, type WindowRef } from '../domain/windows.ts';

const tumblingMs = 5 * 60_000;
const hourMs = 3_600_000;

/** `kind/start/metric/key` → `value` or `value label`: one line per result row. */
export type ResultMap = Map<string, string>;

export const resultKey = (kind: string, startIso: string, metric: string, key: string): string =>
  `${kind}/${startIso}/${metric}/${key}`;

export const resultValue = (r: Pick<ResultRow, 'value' | 'label'>): string =>
  r.label === null ? String(r.value) : `${r.value} ${r.label}`;

export function expectedWindows(events: readonly EventLike[]): ResultMap {
  const byWindow = new Map<string, { w: WindowRef; counters: Counter[]; hourly: number[] }>();
  for (const e of events) {
    const folded = foldEvent(e);
    if (!folded || folded.counters.length === 0) continue;
    const orders = e.type === 'order_paid' ? 1 : 0;
    for (const w of windowsOf(folded.time)) {
      const k = windowKey(w);
      const entry = byWindow.get(k) ?? { w, counters: [], hourly: Array<number>(24).fill(0) };
      entry.counters.push(...folded.counters);
      entry.hourly[Math.floor((folded.time - w.start) / hourMs) % 24]! += orders;
      byWindow.set(k, entry);
    }
  }
  const tumblingOrders = new Map<number, number>();
  for (const { w, counters } of byWindow.values())
    if (w.kind === 'tumbling_5m')
      tumblingOrders.set(
        w.start,
        counters.filter((c) => c.metric === 'orders').reduce((n, c) => n + c.value, 0),
      );
  const out: ResultMap = new Map();
  for (const { w, counters, hourly } of byWindow.values()) {
    const trailing: number[] = [];
    for (let i = trailingWindowsMax; i >= 1; i--) {
      const n = tumblingOrders.get(w.start - i * tumblingMs);
      if (n !== undefined) trailing.push(n);
    }
    const rows = windowRows(w.kind, mergeCounters(counters), {
      hourlyOrders: new Map(hourly.map((n, h) => [h, n])),
      trailingOrders: trailing,
    });
    const start = new Date(w.start).toISOString();
    for (const r of rows) out.set(resultKey(w.kind, start, r.metric, r.key), resultValue(r));
  }
  return out;
}

/** Only the rows of windows that end by `until` (the ones an engine has fired by then). */
export function endingBy(m: ResultMap, until: number): ResultMap {
  const sizes: Record<string, number> = {
    tumbling_5m: tumblingMs,
    sliding_5m: tumblingMs,
    day: 86_400_000,
  };
  return new Map(
    [...m].filter(([k]) => {
      const [kind, start] = k.split('/');
      return Date.parse(start!) + sizes[kind!]! <= until;
    }),
  );
}
