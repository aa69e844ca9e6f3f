import { randomBytes } from 'node:crypto';
import { identityClient, loyaltyClient } from '@redemption/contracts';
import type { Job, ServiceModule } from '@redemption/kernel';
import { channelSummary, createChannels } from './channels/create-channels.ts';
import { compose } from './app/compose.ts';
import { dispatcherMetrics, dispatchJob } from './app/dispatcher.ts';
import { dropOpeningJob } from './app/drop-opening.job.ts';
import { createNotificationsService } from './app/notifications.service.ts';
import { notificationsSubscription } from './app/notifications.consumer.ts';
import { pointsExpiringJob } from './app/points-expiring.job.ts';
import { retryMaxMs } from './domain/delivery.ts';
import { mailboxRoutes } from './http/mailbox.routes.ts';
import { notificationsRoutes } from './http/notifications.routes.ts';
import { preferencesRoutes } from './http/preferences.routes.ts';
import { unsubscribeRoutes } from './http/unsubscribe.routes.ts';
import { housekeepingRepository } from './store/housekeeping.repository.ts';
import { mailboxRepository } from './store/mailbox.repository.ts';
import { notificationsMigrations } from './store/notifications.migrations.ts';
import { notificationsConfig } from './notifications.config.ts';

export { notificationsConfig } from './notifications.config.ts';

/** Deliveries are looked for this often (the delay from an event to its mail, at most). */
const dispatchEveryMs = 200;
/** The expiry warnings are a daily job that looks every hour whether today's is done. */
const pointsExpiringEveryMs = 3_600_000;
const dropOpeningEveryMs = 60_000;
const mailboxPruneEveryMs = 3_600_000;
/** Messages the dev mailbox keeps (the newest). */
export const devMailboxKeepMax = 1_000;

export interface NotificationsModuleOptions {
  /** The consumer group (tests give each run its own on a shared broker). */
  group?: string;
  /** The topics it reads (identity, orders, payments, loyalty unless given). */
  topics?: readonly string[];
}

/**
 * Notifications: the consumer group `notifications` on identity, orders, payments and loyalty
 * turns events into deliveries (one per channel a member wants); the dispatcher job sends them
 * through one provider per channel (SMTP, Twilio-compatible SMS, Web Push, or the dev mailbox),
 * exactly once per delivery id, with retries, a dead-letter status and per-provider rate limits.
 */
export function createNotificationsModule(
  o: NotificationsModuleOptions = {},
): ServiceModule<typeof notificationsConfig> {
  return {
    name: 'notifications',
    migrations: notificationsMigrations,
    config: notificationsConfig,
    needs: ['identity', 'loyalty'],
    async init(ctx) {
      const { config, db } = ctx;
      const channels = createChannels(config, db);
      const unsubscribeKey =
        config.unsubscribeSecret ??
        (await housekeepingRepository.secret(db, 'unsubscribe', () =>
          randomBytes(32).toString('base64url'),
        ));
      const baseUrl = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
      const identity = identityClient(ctx.services.to('identity'));
      const loyalty = loyaltyClient(ctx.services.to('loyalty'));
      const service = createNotificationsService(db);
      ctx.log.info({ channels: channelSummary(channels) }, 'notification channels');
      if (!config.smtpUrl && config.databaseUrl)
        ctx.log.warn('SMTP_URL is not set: e-mail goes to the dev mailbox, not to members');
      const perSecond = (n: number) => ({ ratePerPeriod: n, periodMs: 1_000, burst: n });
      const dispatch = dispatchJob(
        {
          db,
          log: ctx.log,
          channels,
          rateLimiter: ctx.rateLimiter,
          limits: {
            email: perSecond(config.emailRatePerS),
            sms: perSecond(config.smsRatePerS),
            push: perSecond(config.pushRatePerS),
          },
          policy: {
            attemptsMax: config.notificationAttemptsMax,
            baseMs: config.notificationRetryBaseMs,
            maxMs: retryMaxMs,
          },
          leaseMs: 2 * config.notificationSendTimeoutMs,
          compose: (d) => compose({ db, identity, baseUrl, unsubscribeKey }, d),
          metrics: dispatcherMetrics(ctx.metrics),
        },
        dispatchEveryMs,
      );
      const prune: Job = {
        name: 'notifications.mailbox-prune',
        everyMs: mailboxPruneEveryMs,
        run: () => mailboxRepository.prune(db, devMailboxKeepMax),
      };
      return {
        async routes(app) {
          await notificationsRoutes(app, { service, idempotency: ctx.idempotency });
          await preferencesRoutes(app, { service, vapidPublicKey: config.vapidPublicKey ?? null });
          await unsubscribeRoutes(app, { service, key: unsubscribeKey });
          await mailboxRoutes(app, { service });
        },
        subscriptions: [notificationsSubscription(o.group, o.topics)],
        jobs: [
          dispatch,
          pointsExpiringJob(db, loyalty, ctx.log, pointsExpiringEveryMs),
          dropOpeningJob(db, loyalty, ctx.log, dropOpeningEveryMs),
          prune,
        ],
        async close() {
          for (const c of Object.values(channels)) await c.close?.();
        },
      };
    },
  };
}

export const notificationsModule = createNotificationsModule();
