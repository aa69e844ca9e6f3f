import type { Queryable } from '@redemption/kernel';
import { deliveryId } from '../domain/delivery.ts';
import type { Intent } from '../domain/event-intents.ts';
import { templateSpecs, type Channel } from '../domain/kinds.ts';
import { channelsFor } from '../domain/preferences.ts';
import { deliveriesRepository, type NewDelivery } from '../store/deliveries.repository.ts';
import { preferencesRepository } from '../store/preferences.repository.ts';

/**
 * Records one delivery per intent and channel the member wants, in the caller's transaction
 * (the consumer's inbox transaction, a send request's, a job's). The id comes from the cause,
 * the channel and the member, so the same cause never records a message twice. Returns the ids.
 */
export async function enqueue(
  q: Queryable,
  cause: string,
  intents: readonly Intent[],
  only?: readonly Channel[],
): Promise<string[]> {
  const rows: NewDelivery[] = [];
  for (const i of intents) {
    const prefs = await preferencesRepository.of(q, i.memberId);
    const wanted = channelsFor(i.template, prefs).filter((c) => !only || only.includes(c));
    for (const channel of wanted)
      rows.push({
        id: deliveryId(cause, channel, i.memberId),
        cause,
        template: i.template,
        category: templateSpecs[i.template].category,
        channel,
        memberId: i.memberId,
        payload: i.payload,
      });
  }
  await deliveriesRepository.insertMany(q, rows);
  return rows.map((r) => r.id);
}
