import type { Queryable } from '@redemption/kernel';
import type { Category, Channel, Locale } from '../domain/kinds.ts';
import type { Preference } from '../domain/preferences.ts';

export const preferencesRepository = {
  async of(q: Queryable, memberId: string): Promise<Preference[]> {
    const { rows } = await q.query<Preference>(
      'SELECT category, channel, enabled FROM notifications.preferences WHERE member_id = $1',
      [memberId],
    );
    return rows;
  },

  async set(q: Queryable, memberId: string, prefs: readonly Preference[]): Promise<void> {
    if (prefs.length === 0) return;
    await q.query(
      `INSERT INTO notifications.preferences (member_id, category, channel, enabled)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::boolean[])
       ON CONFLICT (member_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
      [
        memberId,
        prefs.map((p) => p.category),
        prefs.map((p) => p.channel),
        prefs.map((p) => p.enabled),
      ],
    );
  },

  async locale(q: Queryable, memberId: string): Promise<string | null> {
    const { rows } = await q.query<{ locale: string }>(
      'SELECT locale FROM notifications.member_settings WHERE member_id = $1',
      [memberId],
    );
    return rows[0]?.locale ?? null;
  },

  async setLocale(q: Queryable, memberId: string, locale: Locale): Promise<void> {
    await q.query(
      `INSERT INTO notifications.member_settings (member_id, locale) VALUES ($1, $2)
       ON CONFLICT (member_id) DO UPDATE SET locale = EXCLUDED.locale, updated_at = now()`,
      [memberId, locale],
    );
  },

  /** Members who opted in to `category` on `channel`, by id after `after` (a page). */
  async optedIn(
    q: Queryable,
    category: Category,
    channel: Channel,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    const { rows } = await q.query<{ member_id: string }>(
      `SELECT member_id FROM notifications.preferences
       WHERE category = $1 AND channel = $2 AND enabled AND ($3::text IS NULL OR member_id > $3)
       ORDER BY member_id LIMIT $4`,
      [category, channel, after, limit],
    );
    return rows.map((r) => r.member_id);
  },
};
