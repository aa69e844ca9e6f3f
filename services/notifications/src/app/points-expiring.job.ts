import type { LoyaltyClient } from '@redemption/contracts';
import type { Db, Job, Logger } from '@redemption/kernel';
import { housekeepingRepository } from '../store/housekeeping.repository.ts';
import { enqueue } from './enqueue.ts';

/** Members warned 30 days before their points expire. */
export const expiryWarningDays = 30;
/** Members per page asked of loyalty. */
const expiringPageMax = 500;
/** Pages one run reads at most; the next run (an hour later) continues the day. */
const expiringPagesMax = 200;
const dayMs = 86_400_000;
const jobName = 'notifications.points-expiring';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The daily "points expiring in 30 days" warning: members whose points expire on the UTC day 30
 * days from today. Runs every hour and does the day's work once: a warning's id comes from the
 * member and the expiry day, so a run cut short and run again records each warning once, and
 * the day is marked done only when every page was read.
 */
export async function warnExpiringPoints(
  db: Db,
  loyalty: LoyaltyClient,
  nowMs = Date.now(),
): Promise<number> {
  const today = utcDay(nowMs);
  if (await housekeepingRepository.dailyRunDone(db, jobName, today)) return 0;
  const from = new Date(`${today}T00:00:00Z`).getTime() + expiryWarningDays * dayMs;
  const range = { from: new Date(from).toISOString(), to: new Date(from + dayMs).toISOString() };
  const expiryDay = utcDay(from);
  let after: string | undefined;
  let warned = 0;
  for (let page = 0; page < expiringPagesMax; page++) {
    const rows = await loyalty.expiringPoints({
      ...range,
      limit: expiringPageMax,
      ...(after ? { after } : {}),
    });
    await db.tx(async (q) => {
      for (const r of rows)
        await enqueue(q, `points_expiring:${expiryDay}:${r.member_id}`, [
          {
            template: 'points_expiring',
            memberId: r.member_id,
            payload: { points: r.points, expires_at: r.expires_at },
          },
        ]);
    });
    warned += rows.length;
    if (rows.length < expiringPageMax) {
      await housekeepingRepository.markDailyRunDone(db, jobName, today);
      return warned;
    }
    after = rows[rows.length - 1]!.member_id;
  }
  return warned;
}

export const pointsExpiringJob = (
  db: Db,
  loyalty: LoyaltyClient,
  log: Logger,
  everyMs: number,
): Job => ({
  name: jobName,
  everyMs,
  runAtStart: true,
  async run() {
    const n = await warnExpiringPoints(db, loyalty);
    if (n > 0) log.info({ members: n }, 'points-expiry warnings recorded');
  },
});
