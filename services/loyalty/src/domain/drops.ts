/** Flash-sale drops: exactly `quantity` units, at most `perMemberLimit` per member. Pure. */
export interface Drop {
  id: string;
  name: string;
  pointsPrice: number;
  quantity: number;
  sold: number;
  perMemberLimit: number;
  opensAt: Date;
  closesAt: Date;
}

export type ClaimRefusal =
  | { reason: 'sold-out' }
  | { reason: 'not-open'; opensAt: Date }
  | { reason: 'closed'; closesAt: Date }
  | { reason: 'member-limit'; limit: number }
  | { reason: 'insufficient-points'; available: number; price: number };

export const remaining = (d: Pick<Drop, 'quantity' | 'sold'>): number => d.quantity - d.sold;

/** Why a claim cannot succeed, or undefined when it can. Order matters: sold out first. */
export function claimRefusal(
  d: Drop,
  now: Date,
  memberClaims: number,
  memberAvailable: number,
): ClaimRefusal | undefined {
  if (remaining(d) <= 0) return { reason: 'sold-out' };
  if (now < d.opensAt) return { reason: 'not-open', opensAt: d.opensAt };
  if (now >= d.closesAt) return { reason: 'closed', closesAt: d.closesAt };
  if (memberClaims >= d.perMemberLimit) return { reason: 'member-limit', limit: d.perMemberLimit };
  if (memberAvailable < d.pointsPrice)
    return { reason: 'insufficient-points', available: memberAvailable, price: d.pointsPrice };
  return undefined;
}
