import type { Queryable } from '@redemption/kernel';

export interface PushSubscription {
  id: string;
  memberId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export const pushSubscriptionsRepository = {
  /** One row per endpoint: a browser that subscribes again replaces its keys (and owner). */
  async save(q: Queryable, s: PushSubscription): Promise<PushSubscription> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO notifications.push_subscriptions (id, member_id, endpoint, p256dh, auth)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE SET member_id = EXCLUDED.member_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING id`,
      [s.id, s.memberId, s.endpoint, s.p256dh, s.auth],
    );
    return { ...s, id: rows[0]!.id };
  },

  async ofMember(q: Queryable, memberId: string, limit: number): Promise<PushSubscription[]> {
    const { rows } = await q.query<{
      id: string;
      member_id: string;
      endpoint: string;
      p256dh: string;
      auth: string;
    }>(
      `SELECT id, member_id, endpoint, p256dh, auth FROM notifications.push_subscriptions
       WHERE member_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [memberId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      memberId: r.member_id,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
    }));
  },

  /** The push service said the subscription is gone (404/410): it never works again. */
  async remove(q: Queryable, endpoint: string): Promise<void> {
    await q.query('DELETE FROM notifications.push_subscriptions WHERE endpoint = $1', [endpoint]);
  },
};
