import type { Queryable } from '@redemption/kernel';
import { decodeHistoryCursor, encodeHistoryCursor } from './history-cursor.ts';
import { tierRulesDefault } from '../domain/tiers.ts';
import { pendingEarnings, type PendingEarningView } from './order-earnings.queries.ts';

export const expiringShownMax = 5;
export const historyPageMax = 100;

export interface AccountView {
  member_id: string;
  balance: number;
  held: number;
  available: number;
  tier: string;
  expiring: Array<{ points: number; expires_at: string }>;
  pending: number;
  pending_earnings: PendingEarningView[];
  qualifying_points: number;
  next_tier: { tier: string; threshold_points: number } | null;
}

/** The tier above `tier` by threshold; null at the top (or for a tier the rules do not know). */
export function nextTier(tier: string): AccountView['next_tier'] {
  const ranked = [...tierRulesDefault].sort((a, b) => a.thresholdPoints - b.thresholdPoints);
  const at = ranked.findIndex((r) => r.tier === tier);
  const next = at >= 0 ? ranked[at + 1] : undefined;
  return next ? { tier: next.tier, threshold_points: next.thresholdPoints } : null;
}

/** Read side of the ledger: plain queries, no locks. */
export async function accountView(
  q: Queryable,
  memberId: string,
): Promise<AccountView | undefined> {
  const { rows } = await q.query<{ balance: number; held: number; tier: string }>(
    "SELECT balance, held, tier FROM loyalty.accounts WHERE id = $1 AND kind = 'member'",
    [memberId],
  );
  const a = rows[0];
  if (!a) return undefined;
  const lots = await q.query<{ remaining: number; expires_at: Date }>(
    'SELECT remaining, expires_at FROM loyalty.lots WHERE member_id = $1 AND remaining > 0 ORDER BY expires_at LIMIT $2',
    [memberId, expiringShownMax],
  );
  // The same measure the tier rules use: qualifying points earned in the trailing 12 months.
  const qualifying = await q.query<{ points: number | string }>(
    `SELECT coalesce(sum(points), 0) AS points FROM loyalty.lots
     WHERE member_id = $1 AND qualifying AND earned_at > now() - interval '12 months'`,
    [memberId],
  );
  return {
    member_id: memberId,
    balance: a.balance,
    held: a.held,
    available: a.balance - a.held,
    tier: a.tier,
    expiring: lots.rows.map((l) => ({
      points: l.remaining,
      expires_at: l.expires_at.toISOString(),
    })),
    ...(await pendingEarnings(q, memberId, expiringShownMax)),
    qualifying_points: Number(qualifying.rows[0]?.points ?? 0),
    next_tier: nextTier(a.tier),
  };
}

export interface HistoryItem {
  id: string;
  kind: string;
  points: number;
  direction: number;
  reference: string | null;
  reason: string | null;
  reverses: string | null;
  reversed_points: number;
  created_at: Date;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function history(q: Queryable, memberId: string, limit: number, cursor?: string) {
  const after = cursor ? decodeHistoryCursor(cursor) : undefined;
  const { rows } = await q.query<HistoryItem>(
    `SELECT id, kind, points, direction, reference, reason, reverses, reversed_points, created_at FROM loyalty.transactions
     WHERE member_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [memberId, after?.at ?? null, after?.id ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    items: page.map((t) => ({
      ...t,
      signed_points: t.points * t.direction,
      created_at: t.created_at.toISOString(),
    })),
    next_cursor: rows.length > limit ? encodeHistoryCursor(page[page.length - 1]!) : null,
  };
}

export async function transactionMember(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ member_id: string }>(
    'SELECT member_id FROM loyalty.transactions WHERE id = $1',
    [id],
  );
  return rows[0]?.member_id;
}

export async function holdMember(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ member_id: string }>(
    'SELECT member_id FROM loyalty.holds WHERE id = $1',
    [id],
  );
  return rows[0]?.member_id;
}
