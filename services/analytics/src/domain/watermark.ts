/**
 * The watermark and lateness, pure. The watermark is the engine's claim that no event older than
 * it is still to come: the largest event time seen minus the out-of-orderness bound. A window
 * fires (its result is published) once the watermark passes its end; an event that arrives after
 * that but before the watermark passes `end + allowed lateness` still counts in it and the window
 * is published again; after that the window is final and an event for it no longer counts.
 */
import type { WindowRef } from './windows.ts';

export interface LatenessPolicy {
  /** How far out of order events may arrive before they are late (ms). */
  outOfOrdernessMs: number;
  /** How long after the watermark passed a window's end an event still updates it (ms). */
  allowedLatenessMs: number;
}

/** The watermark after seeing an event at `eventTime` (it never moves back). */
export function advance(watermark: number | null, eventTime: number, p: LatenessPolicy): number {
  const candidate = eventTime - p.outOfOrdernessMs;
  return watermark === null ? candidate : Math.max(watermark, candidate);
}

/** Fired: the watermark has passed the window's end (its first result is out). */
export const hasFired = (w: WindowRef, watermark: number | null): boolean =>
  watermark !== null && w.end <= watermark;

/** Final: too late for any event to change it. */
export const isFinal = (w: WindowRef, watermark: number | null, p: LatenessPolicy): boolean =>
  watermark !== null && w.end + p.allowedLatenessMs <= watermark;

/** The windows an event still counts in, given the watermark when it arrived. */
export const accepting = (
  windows: readonly WindowRef[],
  watermark: number | null,
  p: LatenessPolicy,
): WindowRef[] => windows.filter((w) => !isFinal(w, watermark, p));
