import type { Queryable } from '@redemption/kernel';
import type { TierRule } from '../domain/tiers.ts';

/**
 * What the expiry sweep should look at, soonest first, at most `limit` of each. Plain reads
 * without locks: the ledger re-checks every candidate under its lock (a hold or lot another pod
 * already handled is refused there).
 */
export const expiryQueries = {
  /** Active holds past their expiry. */
  async expiredHolds(q: Queryable, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      "SELECT id FROM loyalty.holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT $1",
      [limit],
    );
    return rows.map((h) => h.id);
  },

  /** Lots with points left past their expiry. */
  async expiredLots(q: Queryable, limit: number): Promise<Array<{ id: string; memberId: string }>> {
    const { rows } = await q.query<{ id: string; member_id: string }>(
      'SELECT id, member_id FROM loyalty.lots WHERE remaining > 0 AND expires_at <= now() ORDER BY expires_at LIMIT $1',
      [limit],
    );
    return rows.map((l) => ({ id: l.id, memberId: l.member_id }));
  },

  /** Members whose qualifying points (trailing 12 months) fell below their tier's threshold. */
  async tierDowngradeCandidates(
    q: Queryable,
    ranked: readonly TierRule[],
    limit: number,
  ): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT a.id FROM loyalty.accounts a
       JOIN unnest($1::text[], $2::bigint[]) AS r(tier, threshold) ON r.tier = a.tier
       WHERE a.kind = 'member' AND r.threshold > coalesce((
         SELECT sum(l.points) FROM loyalty.lots l
         WHERE l.member_id = a.id AND l.qualifying AND l.earned_at > now() - interval '12 months'), 0)
       ORDER BY a.id LIMIT $3`,
      [ranked.map((r) => r.tier), ranked.map((r) => r.thresholdPoints), limit],
    );
    return rows.map((m) => m.id);
  },
};
