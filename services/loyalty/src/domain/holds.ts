/**
 * A hold authorizes points at checkout: they stay in the balance but are not available.
 * active → captured (fully or partly; the rest returns) | released | expired. Pure.
 */
export const holdStatuses = ['active', 'captured', 'released', 'expired'] as const;
export type HoldStatus = (typeof holdStatuses)[number];

export interface Hold {
  id: string;
  memberId: string;
  points: number;
  status: HoldStatus;
  expiresAt: Date;
}

export type HoldDecision =
  | { ok: true; capture: number; release: number; status: HoldStatus }
  | { ok: false; reason: 'not-active' | 'capture-exceeds-hold' | 'expired'; status: HoldStatus };

/** Capture `points` (all when undefined); whatever is not captured is released. */
export function decideCapture(h: Hold, now: Date, points?: number): HoldDecision {
  if (h.status !== 'active') return { ok: false, reason: 'not-active', status: h.status };
  if (h.expiresAt <= now) return { ok: false, reason: 'expired', status: h.status };
  const capture = points ?? h.points;
  if (capture > h.points) return { ok: false, reason: 'capture-exceeds-hold', status: h.status };
  return { ok: true, capture, release: h.points - capture, status: 'captured' };
}

export function decideRelease(h: Hold, status: 'released' | 'expired' = 'released'): HoldDecision {
  if (h.status !== 'active') return { ok: false, reason: 'not-active', status: h.status };
  return { ok: true, capture: 0, release: h.points, status };
}
