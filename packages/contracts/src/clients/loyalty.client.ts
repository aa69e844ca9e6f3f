import type { LoyaltyAccount } from '../resources/account.schema.ts';
import { call, enc, type ServiceTransport } from './transport.ts';

export interface LoyaltyTransactionResult {
  transaction_id: string;
  kind: string;
  member_id: string;
  points: number;
  reference: string | null;
  balance: number;
  available: number;
}

export interface LoyaltyHold {
  id: string;
  member_id: string;
  points: number;
  status: 'active';
  reference: string | null;
  expires_at: string;
  available: number;
}

export interface LoyaltyHoldCaptured {
  id: string;
  status: 'captured';
  captured_points: number;
  released_points: number;
  transaction_id: string | null;
}

export interface LoyaltyHoldReleased {
  id: string;
  status: 'released' | 'expired';
  released_points: number;
}

/**
 * Loyalty's API for other services (checkout, order earning). Every write takes the caller's
 * idempotency key: derive it from the business id (`order:<id>:hold`) so a retry or a resumed
 * saga applies once. Problems arrive as ServiceProblem (e.g. 422 `insufficient-points`).
 */
export interface LoyaltyClient {
  account(memberId: string): Promise<LoyaltyAccount>;
  earn(
    body: { member_id: string; points: number; reason: string; reference?: string },
    key: string,
  ): Promise<LoyaltyTransactionResult & { base_points: number; tier: string }>;
  hold(
    body: { member_id: string; points: number; reference?: string },
    key: string,
  ): Promise<LoyaltyHold>;
  /** Captures `points` (default: all); the rest of the hold returns to the member. */
  capture(holdId: string, key: string, points?: number): Promise<LoyaltyHoldCaptured>;
  release(holdId: string, key: string): Promise<LoyaltyHoldReleased>;
  /** Reverses `points` (default: all that is left) of a transaction, e.g. a refund. */
  reverse(
    transactionId: string,
    body: { points?: number; reason: string },
    key: string,
  ): Promise<LoyaltyTransactionResult & { reverses: string; remaining_to_reverse: number }>;
  /** Drops not closed yet, newest opening first (at most `limit`, loyalty caps it at 100). */
  openDrops(limit: number): Promise<LoyaltyDropSummary[]>;
  /**
   * Points expiring in [from, to), one row per member with the sum and the earliest expiry,
   * ordered by member id; `after` continues from the last member of the previous page.
   */
  expiringPoints(q: {
    from: string;
    to: string;
    after?: string;
    limit: number;
  }): Promise<ExpiringPoints[]>;
}

export interface LoyaltyDropSummary {
  id: string;
  name: string;
  points_price: number;
  opens_at: string;
  closes_at: string;
}

export interface ExpiringPoints {
  member_id: string;
  points: number;
  expires_at: string;
}

export function loyaltyClient(t: ServiceTransport): LoyaltyClient {
  const post = <T>(path: string, body: unknown, key: string): Promise<T> =>
    call<T>('loyalty', t, { method: 'POST', path, body, idempotencyKey: key });
  return {
    account: (memberId) =>
      call('loyalty', t, { method: 'GET', path: `/api/loyalty/accounts/${enc(memberId)}` }),
    earn: (body, key) => post('/api/loyalty/earn', body, key),
    hold: (body, key) => post('/api/loyalty/holds', body, key),
    capture: (holdId, key, points) =>
      post(
        `/api/loyalty/holds/${enc(holdId)}/capture`,
        points === undefined ? {} : { points },
        key,
      ),
    release: (holdId, key) => post(`/api/loyalty/holds/${enc(holdId)}/release`, {}, key),
    reverse: (transactionId, body, key) =>
      post(`/api/loyalty/transactions/${enc(transactionId)}/reverse`, body, key),
    openDrops: async (limit) =>
      (
        await call<{ items: LoyaltyDropSummary[] }>('loyalty', t, {
          method: 'GET',
          path: `/api/loyalty/drops?active=true&limit=${limit}`,
        })
      ).items,
    expiringPoints: async (q) => {
      const query = new URLSearchParams({ from: q.from, to: q.to, limit: String(q.limit) });
      if (q.after) query.set('after', q.after);
      return (
        await call<{ items: ExpiringPoints[] }>('loyalty', t, {
          method: 'GET',
          path: `/api/loyalty/admin/expiring-points?${query}`,
        })
      ).items;
    },
  };
}
