import { analyticsResult, type EventDefinition } from '@redemption/contracts';
import type { ServiceModule } from '@redemption/kernel';
import { Counter, Gauge } from 'prom-client';
import {
  analyticsGroup,
  analyticsSubscription,
  defaultTopics,
  type AnalyticsTopics,
} from './app/analytics.consumer.ts';
import { idleAdvanceJob, purgeJob } from './app/analytics.jobs.ts';
import { createLiveHub } from './app/live-hub.ts';
import { createWindowEngine } from './app/window-engine.ts';
import { windowsQueries } from './app/windows.queries.ts';
import { analyticsRoutes } from './http/analytics.routes.ts';
import { analyticsMigrations } from './store/analytics.migrations.ts';
import { analyticsConfig } from './analytics.config.ts';

export { analyticsConfig } from './analytics.config.ts';
export { foldedChannel, windowsChangedChannel } from './app/window-engine.ts';

export interface AnalyticsModuleOptions {
  /** Topics to read (tests and the Flink parity run use their own). */
  topics?: AnalyticsTopics;
  /** Where results are published (default `analytics-results`). */
  resultsTopic?: string;
  /** Consumer group (default `analytics`). */
  group?: string;
  /** A NOTIFY per folded event on `foldedChannel` (the bench measures lag with it). */
  foldNotify?: boolean;
}

/**
 * Analytics: event-time windows over order, payment and loyalty events (tumbling 5 minutes,
 * sliding 5 minutes every minute, the day), with a watermark and allowed lateness, results to
 * `analytics-results` and `analytics.results`, a query API and a live stream. The embedded
 * engine runs in this module; past one machine the same windows run as a Flink SQL job
 * (services/analytics/flink; decision 020).
 */
export function createAnalyticsModule(
  opts: AnalyticsModuleOptions = {},
): ServiceModule<typeof analyticsConfig> {
  return {
    name: 'analytics',
    migrations: analyticsMigrations,
    config: analyticsConfig,
    async init(ctx) {
      const { config, db } = ctx;
      const lateness = {
        outOfOrdernessMs: config.analyticsOutOfOrdernessS * 1000,
        allowedLatenessMs: config.analyticsAllowedLatenessS * 1000,
      };
      const resultsDef: EventDefinition = opts.resultsTopic
        ? { ...analyticsResult, topic: opts.resultsTopic }
        : analyticsResult;
      const engine = createWindowEngine({
        events: ctx.events,
        lateness,
        resultsDef,
        foldNotify: opts.foldNotify ?? false,
      });
      const hub = await createLiveHub({
        db,
        log: ctx.log,
        clientsMax: config.analyticsLiveClientsMax,
      });
      const counted = new Counter({
        name: 'analytics_events_total',
        help: 'events the analytics consumer handled, by outcome (counted, late-dropped, not-counted)',
        labelNames: ['outcome'],
        registers: [ctx.metrics],
      });
      new Gauge({
        name: 'analytics_live_clients',
        help: 'open GET /api/analytics/live streams in this process',
        registers: [ctx.metrics],
        collect() {
          this.set(hub.clients());
        },
      });
      const idleMs = config.analyticsIdleAdvanceS * 1000;
      return {
        async routes(app) {
          // Before the server waits for open requests: a live stream would hold it open.
          app.addHook('preClose', async () => hub.closeAll());
          await analyticsRoutes(app, { queries: windowsQueries(db), hub, lateness });
        },
        subscriptions: [
          analyticsSubscription(engine, {
            topics: opts.topics ?? defaultTopics,
            group: opts.group ?? analyticsGroup,
            log: ctx.log,
            counted,
          }),
        ],
        jobs: [
          ...(idleMs > 0 ? [idleAdvanceJob(db, engine, idleMs, ctx.log)] : []),
          purgeJob(db, config.analyticsRetentionDays),
        ],
        async close() {
          hub.closeAll();
          await hub.stop();
        },
      };
    },
  };
}

export const analyticsModule = createAnalyticsModule();
