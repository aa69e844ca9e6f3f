import { analyticsResult, type EventDefinition } from '@redemption/contracts';
import type { Publisher, Queryable } from '@redemption/kernel';
import { foldEvent, mergeCounters, type EventLike } from '../domain/event-deltas.ts';
import { trailingWindowsMax } from '../domain/anomaly.ts';
import { accepting, advance, type LatenessPolicy } from '../domain/watermark.ts';
import {
  changedRows,
  windowRows,
  type ResultRow,
  type WindowExtras,
} from '../domain/window-result.ts';
import {
  crossesBoundary,
  paneOf,
  windowKey,
  windowsEndingIn,
  windowsOf,
  windowSpecs,
  type WindowRef,
} from '../domain/windows.ts';
import { engineRepository } from '../store/engine.repository.ts';
import { panesRepository } from '../store/panes.repository.ts';
import { resultsRepository } from '../store/results.repository.ts';

/** NOTIFY channel: which windows changed (the live view reads them after the commit). */
export const windowsChangedChannel = 'analytics_windows';
/** NOTIFY channel for `foldNotify`: each folded event's id, after its commit (the bench's lag). */
export const foldedChannel = 'analytics_folded';
/** Window keys per notification at most; beyond it the live view reloads the latest windows. */
const notifyKeysMax = 40;
const tumblingMs = 5 * 60_000;

export interface WindowEngineOptions {
  events: Publisher;
  lateness: LatenessPolicy;
  /** Where results go (`analytics-results`; tests use their own topic). */
  resultsDef?: EventDefinition;
  foldNotify?: boolean;
}

export type FoldOutcome = 'counted' | 'late-dropped' | 'not-counted' | 'no-time';

export interface WindowEngine {
  /** Folds one event into its windows inside the consumer's transaction `q`. */
  fold(q: Queryable, event: EventLike & { id: string }): Promise<FoldOutcome>;
  /** Moves the watermark to `to` without an event (after a silence) and fires what it passes. */
  advanceTo(q: Queryable, to: number): Promise<number>;
}

/**
 * The embedded engine (decision 020). Every fold locks the engine row, moves the watermark,
 * adds the event's counters to its pane when any of its windows still accepts it, then
 * recomputes the windows that fired now or that the event changed after they fired, and
 * publishes the rows each changed, all in the caller's transaction: with the consumer's inbox
 * row (and, on the pg transport, its offset), so a redelivery or a crash never counts twice.
 */
export function createWindowEngine(o: WindowEngineOptions): WindowEngine {
  const def = o.resultsDef ?? analyticsResult;

  async function recompute(q: Queryable, w: WindowRef): Promise<boolean> {
    const counters = await panesRepository.sum(q, w.start, w.end);
    if (counters.length === 0) return false;
    const rows = windowRows(w.kind, counters, await extrasOf(q, w));
    const changed = changedRows(await resultsRepository.rowsOf(q, w), rows);
    if (changed.length === 0) return false;
    await resultsRepository.write(q, w, changed);
    await o.events.publishMany(
      q,
      changed.map((r) => publishItem(def, w, r)),
    );
    return true;
  }

  /** Windows of any kind with data whose end the watermark's move (from, to] passes. */
  async function firing(q: Queryable, from: number | null, to: number): Promise<WindowRef[]> {
    if (from === null || to <= from) return [];
    const out: WindowRef[] = [];
    for (const spec of windowSpecs) {
      if (!crossesBoundary(spec, from, to)) continue;
      const panes = await panesRepository.withData(q, from - spec.sizeMs, to);
      out.push(...windowsEndingIn(spec, panes, from, to));
    }
    return out;
  }

  async function settle(q: Queryable, windows: WindowRef[]): Promise<void> {
    const unique = new Map(windows.map((w) => [windowKey(w), w]));
    // Oldest first, so a tumbling window's trailing hour is settled before it is scored.
    const ordered = [...unique.values()].sort((a, b) => a.start - b.start);
    const changed: WindowRef[] = [];
    for (const w of ordered) if (await recompute(q, w)) changed.push(w);
    if (changed.length === 0) return;
    const keys = changed.length > notifyKeysMax ? ['*'] : changed.map(windowKey);
    await q.query('SELECT pg_notify($1, $2)', [windowsChangedChannel, JSON.stringify(keys)]);
  }

  return {
    async fold(q, event) {
      const folded = foldEvent(event);
      if (!folded) return 'no-time';
      const { watermark: before } = await engineRepository.lock(q);
      const after = advance(before, folded.time, o.lateness);
      const counts = folded.counters.length > 0;
      const open = counts ? accepting(windowsOf(folded.time), before, o.lateness) : [];
      if (open.length > 0)
        await panesRepository.add(q, paneOf(folded.time), mergeCounters(folded.counters));
      const lateDropped = counts && open.length === 0;
      await engineRepository.recordEvent(q, {
        watermark: after,
        eventTime: folded.time,
        folded: open.length > 0,
        droppedLate: lateDropped,
      });
      const lateUpdates = open.filter((w) => w.end <= after);
      await settle(q, [...(await firing(q, before, after)), ...lateUpdates]);
      if (o.foldNotify) await q.query('SELECT pg_notify($1, $2)', [foldedChannel, event.id]);
      return lateDropped ? 'late-dropped' : counts ? 'counted' : 'not-counted';
    },

    async advanceTo(q, to) {
      const { watermark: before } = await engineRepository.lock(q);
      if (before === null || to <= before) return 0;
      await engineRepository.setWatermark(q, to);
      const fired = await firing(q, before, to);
      await settle(q, fired);
      return fired.length;
    },
  };

  async function extrasOf(q: Queryable, w: WindowRef): Promise<WindowExtras> {
    if (w.kind === 'day')
      return { hourlyOrders: await panesRepository.hourlyOrders(q, w.start, w.end) };
    if (w.kind !== 'tumbling_5m') return {};
    const from = w.start - trailingWindowsMax * tumblingMs;
    return { trailingOrders: await resultsRepository.ordersOfTumbling(q, from, w.start) };
  }
}

function publishItem(def: EventDefinition, w: WindowRef, r: ResultRow) {
  const start = new Date(w.start).toISOString();
  return {
    def,
    input: {
      subject: `${w.kind}/${start}/${r.metric}/${r.key}`,
      data: {
        window_kind: w.kind,
        window_start: start,
        window_end: new Date(w.end).toISOString(),
        metric: r.metric,
        key: r.key,
        value: r.value,
        label: r.label,
      },
    },
  };
}
