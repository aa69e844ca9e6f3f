import { parseInt8, type Queryable } from '@redemption/kernel';

export interface ExpiringPointsRow {
  memberId: string;
  points: number;
  expiresAt: Date;
}

/**
 * Points still in lots that expire in [from, to), summed per member (the earliest expiry with
 * them), by member id after `after`: what the notifications service warns members about.
 */
export async function expiringPoints(
  q: Queryable,
  p: { from: Date; to: Date; after: string | null; limit: number },
): Promise<ExpiringPointsRow[]> {
  const { rows } = await q.query<{ member_id: string; points: string; expires_at: Date }>(
    `SELECT member_id, sum(remaining)::text AS points, min(expires_at) AS expires_at
     FROM loyalty.lots
     WHERE remaining > 0 AND expires_at >= $1 AND expires_at < $2 AND ($3::text IS NULL OR member_id > $3)
     GROUP BY member_id ORDER BY member_id LIMIT $4`,
    [p.from, p.to, p.after, p.limit],
  );
  return rows.map((r) => ({
    memberId: r.member_id,
    points: parseInt8(r.points),
    expiresAt: new Date(r.expires_at),
  }));
}
