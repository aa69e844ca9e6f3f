/** Tiers by qualifying points earned over the trailing 12 months. Pure. */
export const tiers = ['member', 'silver', 'gold', 'platinum'] as const;
export type Tier = (typeof tiers)[number];

export interface TierRule {
  tier: Tier;
  /** Qualifying points needed (trailing 12 months). */
  thresholdPoints: number;
  /** Earn multiplier in basis points (10_000 = 1x), so no floats reach the ledger. */
  multiplierBp: number;
}

export const tierRulesDefault: readonly TierRule[] = [
  { tier: 'member', thresholdPoints: 0, multiplierBp: 10_000 },
  { tier: 'silver', thresholdPoints: 10_000, multiplierBp: 12_500 },
  { tier: 'gold', thresholdPoints: 40_000, multiplierBp: 15_000 },
  { tier: 'platinum', thresholdPoints: 100_000, multiplierBp: 20_000 },
];

export function tierFor(
  qualifyingPoints: number,
  rules: readonly TierRule[] = tierRulesDefault,
): TierRule {
  let best = rules[0]!;
  for (const r of rules)
    if (qualifyingPoints >= r.thresholdPoints && r.thresholdPoints >= best.thresholdPoints)
      best = r;
  return best;
}

/** Points to credit for a base amount at a tier, rounded down (never credit a fraction). */
export const withMultiplier = (basePoints: number, rule: TierRule): number =>
  Math.floor((basePoints * rule.multiplierBp) / 10_000);
