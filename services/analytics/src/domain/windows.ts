/**
 * Event-time windows, pure: which windows an instant belongs to, and panes. Times are epoch
 * milliseconds, UTC. Every window is a whole number of one-minute panes, so a window's result is
 * the sum of its panes' counters and an event is written once (to its pane), not once per window.
 */
import type { AnalyticsWindowKind } from '@redemption/contracts';

export const minuteMs = 60_000;
/** The unit windows are built from: every window size and slide is a multiple of it. */
export const paneMs = minuteMs;
export const dayMs = 86_400_000;

export interface WindowSpec {
  kind: AnalyticsWindowKind;
  sizeMs: number;
  slideMs: number;
}

/** Tumbling 5 minutes, sliding 5 minutes every minute, and the day (for its peak hour). */
export const windowSpecs: readonly WindowSpec[] = [
  { kind: 'tumbling_5m', sizeMs: 5 * minuteMs, slideMs: 5 * minuteMs },
  { kind: 'sliding_5m', sizeMs: 5 * minuteMs, slideMs: minuteMs },
  { kind: 'day', sizeMs: dayMs, slideMs: dayMs },
];

export const specOf = (kind: AnalyticsWindowKind): WindowSpec =>
  windowSpecs.find((s) => s.kind === kind)!;

export interface WindowRef {
  kind: AnalyticsWindowKind;
  start: number;
  end: number;
}

/** `t` rounded down to a multiple of `m` (also for instants before 1970). */
export const floorTo = (t: number, m: number): number => t - (((t % m) + m) % m);

export const paneOf = (t: number): number => floorTo(t, paneMs);

/** The windows of one kind that contain `t`: [start, end) with start <= t < end. */
export function windowsOfKind(spec: WindowSpec, t: number): WindowRef[] {
  const out: WindowRef[] = [];
  for (let start = floorTo(t, spec.slideMs); start > t - spec.sizeMs; start -= spec.slideMs)
    out.push({ kind: spec.kind, start, end: start + spec.sizeMs });
  return out;
}

/** Every window `t` belongs to: one tumbling, five sliding, one day. */
export const windowsOf = (t: number): WindowRef[] =>
  windowSpecs.flatMap((s) => windowsOfKind(s, t));

/** Stable name of a window: `tumbling_5m/2026-12-01T10:05:00.000Z`. */
export const windowKey = (w: Pick<WindowRef, 'kind' | 'start'>): string =>
  `${w.kind}/${new Date(w.start).toISOString()}`;

/**
 * The windows of `spec` that hold at least one of `panes` and end in (`from`, `to`]: those the
 * watermark's move from `from` to `to` fires.
 */
export function windowsEndingIn(
  spec: WindowSpec,
  panes: readonly number[],
  from: number,
  to: number,
): WindowRef[] {
  const found = new Map<number, WindowRef>();
  for (const p of panes)
    for (const w of windowsOfKind(spec, p)) if (w.end > from && w.end <= to) found.set(w.start, w);
  return [...found.values()].sort((a, b) => a.start - b.start);
}

/** Whether a window boundary of `spec` lies in (`from`, `to`]: only then can a window fire. */
export const crossesBoundary = (spec: WindowSpec, from: number, to: number): boolean =>
  floorTo(to, spec.slideMs) > from;
