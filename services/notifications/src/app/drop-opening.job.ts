import type { LoyaltyClient, LoyaltyDropSummary } from '@redemption/contracts';
import type { Db, Job, Logger, Queryable } from '@redemption/kernel';
import { deliveryId } from '../domain/delivery.ts';
import { channels } from '../domain/kinds.ts';
import { deliveriesRepository } from '../store/deliveries.repository.ts';
import { housekeepingRepository } from '../store/housekeeping.repository.ts';
import { preferencesRepository } from '../store/preferences.repository.ts';

/** How long before a drop opens the reminder goes out. */
export const dropReminderLeadMs = 15 * 60_000;
/** Drops looked at per run (loyalty's page cap). */
const openDropsMax = 100;
/** Members read per page while fanning a reminder out. */
const optedInPageMax = 1_000;

/**
 * Drop opening reminders for members who opted in to marketing on a channel: each drop opening
 * within the lead time is announced once (a row per drop, claimed in the transaction that
 * records every member's delivery, so a crash announces it again from the start and the
 * deliveries' ids keep each member's reminder single).
 */
export async function announceDrops(
  db: Db,
  loyalty: LoyaltyClient,
  nowMs = Date.now(),
): Promise<number> {
  const drops = await loyalty.openDrops(openDropsMax);
  const soon = drops.filter((d) => {
    const opensMs = new Date(d.opens_at).getTime();
    return opensMs > nowMs && opensMs - nowMs <= dropReminderLeadMs;
  });
  let recorded = 0;
  for (const drop of soon)
    recorded += await db.tx(async (q) =>
      (await housekeepingRepository.claimDropAnnouncement(q, drop.id)) ? fanOut(q, drop) : 0,
    );
  return recorded;
}

async function fanOut(q: Queryable, drop: LoyaltyDropSummary): Promise<number> {
  const cause = `drop_opening:${drop.id}`;
  const payload = {
    drop_id: drop.id,
    drop_name: drop.name,
    opens_at: drop.opens_at,
    points_price: drop.points_price,
  };
  let recorded = 0;
  for (const channel of channels) {
    let after: string | null = null;
    for (;;) {
      const members = await preferencesRepository.optedIn(
        q,
        'marketing',
        channel,
        after,
        optedInPageMax,
      );
      recorded += await deliveriesRepository.insertMany(
        q,
        members.map((memberId) => ({
          id: deliveryId(cause, channel, memberId),
          cause,
          template: 'drop_opening' as const,
          category: 'marketing' as const,
          channel,
          memberId,
          payload,
        })),
      );
      if (members.length < optedInPageMax) break;
      after = members[members.length - 1]!;
    }
  }
  return recorded;
}

export const dropOpeningJob = (
  db: Db,
  loyalty: LoyaltyClient,
  log: Logger,
  everyMs: number,
): Job => ({
  name: 'notifications.drop-opening',
  everyMs,
  async run() {
    const n = await announceDrops(db, loyalty);
    if (n > 0) log.info({ deliveries: n }, 'drop opening reminders recorded');
  },
});
