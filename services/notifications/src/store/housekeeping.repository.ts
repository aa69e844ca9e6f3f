import type { Queryable } from '@redemption/kernel';

export const housekeepingRepository = {
  /** The stored value of `name`, created with `make()` the first time (one winner across pods). */
  async secret(q: Queryable, name: string, make: () => string): Promise<string> {
    await q.query(
      'INSERT INTO notifications.secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [name, make()],
    );
    const { rows } = await q.query<{ value: string }>(
      'SELECT value FROM notifications.secrets WHERE name = $1',
      [name],
    );
    return rows[0]!.value;
  },

  /** True the first time a drop is announced, false ever after. */
  async claimDropAnnouncement(q: Queryable, dropId: string): Promise<boolean> {
    const res = await q.query(
      'INSERT INTO notifications.drop_announcements (drop_id) VALUES ($1) ON CONFLICT DO NOTHING',
      [dropId],
    );
    return res.rowCount === 1;
  },

  async dailyRunDone(q: Queryable, job: string, day: string): Promise<boolean> {
    const { rows } = await q.query(
      'SELECT 1 FROM notifications.daily_runs WHERE job = $1 AND day = $2::date',
      [job, day],
    );
    return rows.length > 0;
  },

  async markDailyRunDone(q: Queryable, job: string, day: string): Promise<void> {
    await q.query(
      'INSERT INTO notifications.daily_runs (job, day) VALUES ($1, $2::date) ON CONFLICT DO NOTHING',
      [job, day],
    );
  },
};
