import type { Db, Job, Logger, RateLimit, RateLimiter } from '@redemption/kernel';
import { Counter, type Registry } from 'prom-client';
import {
  PermanentSendError,
  type ChannelProvider,
  type OutgoingMessage,
} from '../channels/channel.ts';
import type { Channels } from '../channels/create-channels.ts';
import { afterFailure, type RetryPolicy } from '../domain/delivery.ts';
import type { Channel } from '../domain/kinds.ts';
import { isEnabled } from '../domain/preferences.ts';
import { deliveriesRepository, type ClaimedDelivery } from '../store/deliveries.repository.ts';
import { preferencesRepository } from '../store/preferences.repository.ts';
import { pushSubscriptionsRepository } from '../store/push-subscriptions.repository.ts';
import type { Composed } from './compose.ts';

/** Deliveries one round claims, and how many of them are sent at once. */
export const dispatchBatchMax = 50;
export const dispatchConcurrencyMax = 8;

export interface DispatcherDeps {
  db: Db;
  log: Logger;
  channels: Channels;
  rateLimiter: RateLimiter;
  /** Per provider, across every process (the kernel's limiter: Redis when REDIS_URL is set). */
  limits: Readonly<Record<Channel, RateLimit>>;
  policy: RetryPolicy;
  /** How long a claimed delivery is ours: twice the send timeout, so a live send never loses it. */
  leaseMs: number;
  compose: (d: ClaimedDelivery) => Promise<Composed>;
  metrics: DispatcherMetrics;
}

export function dispatcherMetrics(registry: Registry) {
  return {
    outcomes: new Counter({
      name: 'notifications_deliveries_total',
      help: 'deliveries settled, by channel, provider and outcome (sent, retry, failed, dead, skipped)',
      labelNames: ['channel', 'provider', 'outcome'],
      registers: [registry],
    }),
  };
}
export type DispatcherMetrics = ReturnType<typeof dispatcherMetrics>;

/** One round: claim what is due (or abandoned by a dead sender) and send it. */
export async function dispatchRound(deps: DispatcherDeps): Promise<number> {
  const claimed = await deliveriesRepository.claimDue(deps.db, dispatchBatchMax, deps.leaseMs);
  for (let i = 0; i < claimed.length; i += dispatchConcurrencyMax)
    await Promise.all(claimed.slice(i, i + dispatchConcurrencyMax).map((d) => deliverOne(deps, d)));
  return claimed.length;
}

export const dispatchJob = (deps: DispatcherDeps, everyMs: number): Job => ({
  name: 'notifications.dispatch',
  everyMs,
  runAtStart: true,
  run: () => dispatchRound(deps),
});

async function deliverOne(deps: DispatcherDeps, d: ClaimedDelivery): Promise<void> {
  const provider = deps.channels[d.channel];
  const count = (outcome: string) =>
    deps.metrics.outcomes.inc({ channel: d.channel, provider: provider.provider, outcome });
  try {
    if (provider.provider !== 'dev-mailbox') {
      const rate = await deps.rateLimiter.hit(
        `notifications:${provider.provider}`,
        deps.limits[d.channel],
      );
      if (!rate.allowed)
        return await deliveriesRepository.retryLater(deps.db, d, rate.retryAfterMs, null, false);
    }
    if (d.category !== 'transactional' && !(await stillWanted(deps.db, d))) {
      count('skipped');
      return await deliveriesRepository.finish(
        deps.db,
        d,
        'skipped',
        'unsubscribed before it was sent',
      );
    }
    const composed = await deps.compose(d);
    if ('skip' in composed) {
      count('skipped');
      return await deliveriesRepository.finish(deps.db, d, 'skipped', composed.skip);
    }
    const providerMessageId = await sendAll(deps.db, provider, composed.messages);
    const recorded = await deliveriesRepository.markSent(deps.db, d, {
      provider: provider.provider,
      providerMessageId,
      address: composed.address,
      subject: composed.subject,
    });
    if (!recorded) deps.log.warn({ delivery_id: d.id }, 'delivery lease lost while sending');
    count('sent');
  } catch (err) {
    await failed(deps, d, err, count);
  }
}

/** Sends every message (a push goes to each browser); a browser that is gone is forgotten. */
async function sendAll(db: Db, provider: ChannelProvider, messages: OutgoingMessage[]) {
  let id: string | null = null;
  let gone = 0;
  for (const m of messages) {
    try {
      id = (await provider.send(m)).providerMessageId ?? id;
    } catch (err) {
      if (!(err instanceof PermanentSendError && err.gone)) throw err;
      await pushSubscriptionsRepository.remove(db, m.to);
      gone++;
    }
  }
  if (gone === messages.length) throw new PermanentSendError('every push subscription is gone');
  return id;
}

async function failed(
  deps: DispatcherDeps,
  d: ClaimedDelivery,
  err: unknown,
  count: (outcome: string) => void,
): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  const next = afterFailure(d.attempts, err instanceof PermanentSendError, deps.policy);
  count(next.status === 'pending' ? 'retry' : next.status);
  if (next.status === 'pending')
    return deliveriesRepository.retryLater(deps.db, d, next.delayMs, message, true);
  deps.log.warn(
    { delivery_id: d.id, channel: d.channel, attempts: d.attempts, err: message },
    `notification ${next.status}`,
  );
  await deliveriesRepository.finish(deps.db, d, next.status, message);
}

/** An unsubscribe applies to what is already queued, too. */
async function stillWanted(db: Db, d: ClaimedDelivery): Promise<boolean> {
  return isEnabled(await preferencesRepository.of(db, d.memberId), d.category, d.channel);
}
