/**
 * Points are earned in lots that expire; spending consumes the lots that expire first, so a
 * member never loses points they could have used. Pure.
 */
export interface Lot {
  id: string;
  remaining: number;
  expiresAt: Date;
}

export interface LotTake {
  lotId: string;
  points: number;
}

/** Which lots pay for `points`, soonest expiry first. Throws when the lots do not cover it. */
export function takeFromLots(lots: readonly Lot[], points: number): LotTake[] {
  const ordered = [...lots]
    .filter((l) => l.remaining > 0)
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1));
  const takes: LotTake[] = [];
  let left = points;
  for (const lot of ordered) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    takes.push({ lotId: lot.id, points: take });
    left -= take;
  }
  if (left > 0) throw new Error(`lots cover ${points - left} of ${points} points`);
  return takes;
}

export function addMonths(d: Date, months: number): Date {
  const out = new Date(d.getTime());
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}
